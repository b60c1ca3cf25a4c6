#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# VM: kprobes on Debian bullseye's kernel, Linux 5.10, in qemu; see kprobes.sh.
KPT_VM_KERNEL=bullseye exec "$(dirname "$0")/kprobes.sh"
