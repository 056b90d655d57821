package docs

import "testing"

func TestRefURL(t *testing.T) {
	for ref, want := range map[string]string{
		"include/hyperv/hvgdk_mini.h:17 @ cf82dd5ea958":                   "https://github.com/torvalds/linux/blob/cf82dd5ea958/include/hyperv/hvgdk_mini.h#L17",
		"include/uapi/linux/mshv.h:56 @ 3ab7ae8e07f8":                     "https://github.com/torvalds/linux/blob/3ab7ae8e07f8/include/uapi/linux/mshv.h#L56",
		"linux@d31558c0:drivers/hv/mshv_debugfs_counters.c:178":           "https://github.com/torvalds/linux/blob/d31558c0/drivers/hv/mshv_debugfs_counters.c#L178",
		"tlfs/hypercalls/HvCallMapStatsPage2.md":                          tlfsSource + "tlfs/hypercalls/HvCallMapStatsPage2.md",
		"wdk-2013/HvMapStatsPage.txt":                                     "",
		"include/hyperv/hvgdk_mini.h @ cf82dd5ea958":                      "", // no line: not a file:line citation
		"lantianyu/linux include/uapi/hyperv/hvhdk.h:1434 @ dfb0e4721532": "https://github.com/lantianyu/linux/blob/dfb0e4721532/include/uapi/hyperv/hvhdk.h#L1434",
		"lantianyu/linux include/uapi/hyperv/hvhdk.h @ dfb0e4721532":      "", // no line
	} {
		if got := refURL(ref); got != want {
			t.Errorf("refURL(%q) = %q, want %q", ref, got, want)
		}
	}
}
