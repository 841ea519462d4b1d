//go:build arm64 && !purego

package embed

import "testing"

// TestNEONSelected fails if an arm64 build without the purego tag runs the
// portable kernel instead of the NEON one (a build tag or selection that
// silently falls back).
func TestNEONSelected(t *testing.T) {
	if kernel.name != "neon" {
		t.Errorf("arm64 build uses the %q kernel, want neon", kernel.name)
	}
	if _, ok := kernels()["neon"]; !ok {
		t.Errorf("kernels() = %v, want it to list neon", kernels())
	}
}
