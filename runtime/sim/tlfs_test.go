package sim_test

import "testing"

func TestTLFSCalls(t *testing.T) {}
