# SPDX-License-Identifier: GPL-2.0-or-later
# The library of the libFuzzer harnesses: kptrace's library sources (the list
# src_libkptrace_a_SOURCES of Makefile.am, passed in as SRCS) compiled once with
# clang and the fuzzer's instrumentation into OUT/libkptrace-fuzz.a. Kept apart
# from Makefile.am for its pattern rule and header dependencies (-MMD), which
# automake does not write for a second compiler. Run by Makefile.am:
#   make -f lib.mk SRCDIR=... OUT=... SRCS='...' FUZZ_CC=clang FUZZ_CFLAGS='...' [V=1]
OBJS := $(patsubst %.c,$(OUT)/%.o,$(filter %.c,$(SRCS)))

# V=1 shows the commands, as automake's silent rules do.
ifeq ($(V),1)
say = @:
Q =
else
say = @echo
Q = @
endif

all: $(OUT)/libkptrace-fuzz.a
	@:
.PHONY: all

$(OUT)/libkptrace-fuzz.a: $(OBJS)
	$(say) "  AR       tests/fuzz/lib/libkptrace-fuzz.a"
	$(Q)rm -f $@ && $(AR) cr $@ $^

$(OUT)/%.o: $(SRCDIR)/%.c
	$(say) "  CC       tests/fuzz/lib/$*.o"
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

-include $(OBJS:.o=.d)
