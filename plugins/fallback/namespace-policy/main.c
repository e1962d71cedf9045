/* namespace-policy as a WASI command module on windlass's fallback ABI: the
 * context on stdin, the outcome on stdout, the verdict as the exit code. */
#include "fallback.h"
#include "policy.h"

int main(void) { return wl_fallback_main(ns_policy_run); }
