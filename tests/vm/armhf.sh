#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# VM: kptrace built for armhf and tested on Debian's armhf kernel in qemu; see arm.sh.
exec "$(dirname "$0")/arm.sh" armhf
