#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# VM: kptrace built for arm64 and tested on Debian's arm64 kernel in qemu; see arm.sh.
exec "$(dirname "$0")/arm.sh" arm64
