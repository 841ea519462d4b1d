//go:build linux

package embed

import "golang.org/x/sys/unix"

// adviseHuge asks Linux to back b (whole 2 MB pages) with transparent huge
// pages as it is first written: under the "madvise" setting of
// /sys/kernel/mm/transparent_hugepage/enabled, the common default, memory
// gets them only where a program asks. Errors (an older kernel, huge
// pages disabled) are ignored: the memory then stays in 4 KB pages.
func adviseHuge(b []byte) { _ = unix.Madvise(b, unix.MADV_HUGEPAGE) }

// collapseHuge asks Linux to move the 4 KB pages of b (whole 2 MB pages)
// that are already in memory into huge pages now (MADV_COLLAPSE, Linux
// 6.1), keeping their contents. Errors are ignored, as in adviseHuge.
func collapseHuge(b []byte) { _ = unix.Madvise(b, unix.MADV_COLLAPSE) }
