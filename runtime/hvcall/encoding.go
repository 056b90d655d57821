package hvcall

// Control is the content of a hypercall input value.
type Control struct {
	Code              uint16
	Fast              bool
	VariableHeaderLen int // variable header size in 8-byte units
	Nested            bool
	RepCount          int
	RepStart          int
}

// Encoding is what a generated package tells the runtime about its ABI
// version: how to build the input value and read the output value (through
// that version's generated bitfield accessors), its status type, and the
// limits of its fast calling conventions.
type Encoding struct {
	Input  func(Control) uint64
	Decode func(control uint64) Control // the inverse of Input, for backends
	Output func(result uint64) (status uint16, repsCompleted int)
	Result func(status uint16, repsCompleted int) uint64 // the inverse of Output, for backends
	Status func(uint16) error                            // the version's status type as an error

	MaxRepCount       int // largest rep count the input value holds
	MaxVariableHeader int // largest variable header size (8-byte units); 0: not supported
	Nested            bool
	FastInputBytes    int // register (RDX, R8) fast-call input; 16
	XMMInputBytes     int // XMM fast-call input; 0 when the version has none
	XMMOutputBytes    int // XMM fast-call output; 0 when the version has none
}
