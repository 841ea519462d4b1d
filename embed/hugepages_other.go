//go:build !linux

package embed

// adviseHuge does nothing here: huge pages are asked for on Linux only.
func adviseHuge([]byte) {}

// collapseHuge does nothing here: huge pages are asked for on Linux only.
func collapseHuge([]byte) {}
