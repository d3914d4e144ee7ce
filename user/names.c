// SPDX-License-Identifier: GPL-2.0
/* The names operators see for reasons and rule kinds: see names.h. */
#include <stdbool.h>
#include <linux/bpf.h>
#include "names.h"

#define VFW_REASON_NAME(id, name, verdict) [VFW_REASON_##id] = name,
static const char *const reason_names[VFW_REASON_COUNT] = {
	VFW_REASONS(VFW_REASON_NAME)
};
#undef VFW_REASON_NAME

#define VFW_REASON_DROPS(id, name, verdict) [VFW_REASON_##id] = verdict == XDP_DROP,
static const bool reason_drops[VFW_REASON_COUNT] = {
	VFW_REASONS(VFW_REASON_DROPS)
};
#undef VFW_REASON_DROPS

#define VFW_RULE_KIND_NAME(id, name, cat) [VFW_RULE_##id] = name,
static const char *const rule_kind_names[VFW_RULE_KIND_COUNT] = {
	[VFW_RULE_NONE] = "none",
	VFW_RULE_KINDS(VFW_RULE_KIND_NAME)
};
#undef VFW_RULE_KIND_NAME

const char *vfw_reason_name(unsigned int reason)
{
	return reason < VFW_REASON_COUNT ? reason_names[reason] : "unknown";
}

const char *vfw_rule_kind_name(unsigned int kind)
{
	return kind < VFW_RULE_KIND_COUNT ? rule_kind_names[kind] : "unknown";
}

const char *vfw_reason_verdict_name(unsigned int reason)
{
	if (reason >= VFW_REASON_COUNT)
		return "unknown";
	return reason_drops[reason] ? "drop" : "pass";
}
