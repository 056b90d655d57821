package sim

// tlfsModel gives the TLFS calls the sim implements.
func tlfsModel() map[string]modelled {
	return map[string]modelled{}
}
