#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# VM: kprobes on Debian trixie's kernel, Linux 6.12, in qemu; see kprobes.sh.
KPT_VM_KERNEL=trixie exec "$(dirname "$0")/kprobes.sh"
