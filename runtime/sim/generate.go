package sim

//go:generate go run ./internal/facadegen
