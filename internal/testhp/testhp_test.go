package testhp

import "testing"

func TestTinyIsValid(t *testing.T) {
	for _, src := range []string{"binarized_mnist", "fashion_mnist", "cifar-10"} {
		c := 1
		if src == "cifar-10" {
			c = 3
		}
		if err := Tiny(src, c).Validate(); err != nil {
			t.Errorf("%s: %v", src, err)
		}
	}
}
