# The process the hook tests trace: tests/hooks/target.c ->
# $(BUILD)/tests/hook-target, which tests/unit/test_hook_*.c find through
# RK_BUILD_DIR.  Built plainly (no sanitizers: it is traced, not tested),
# at -O0 so that its functions keep their arguments in registers at entry.
HOOK_TARGET := $(BUILD)/tests/hook-target

$(HOOK_TARGET): tests/hooks/target.c tests/hooks/target.h tests/hooks/hooks.mk
	@mkdir -p $(dir $@)
	$(CC) -D_DEFAULT_SOURCE -std=c11 $(WARNINGS) -O0 -g -pthread -o $@ $<

# Order-only: the test binary's link line is $^, which must stay objects.
$(TESTS): | $(HOOK_TARGET)
