package main

import (
	"fmt"
	"strings"
)

// Fault is a misbehaviour injected into one host, at start or live.
type Fault string

const (
	NoFault Fault = ""
	// EnterMaintenanceMode_Task stays running until its timeout passes (forever with timeout 0).
	FaultMaintenanceTimeout Fault = "mm-timeout"
	// After a reboot the host stays notResponding.
	FaultNeverBack Fault = "never-back"
	// capability.rebootSupported is false.
	FaultRebootNotSupported Fault = "reboot-not-supported"
	// runtime.connectionState is disconnected.
	FaultDisconnected Fault = "disconnected"
)

var faults = []Fault{FaultMaintenanceTimeout, FaultNeverBack, FaultRebootNotSupported, FaultDisconnected}

func faultNames() string {
	names := make([]string, len(faults))
	for i, f := range faults {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

// parseFault accepts a fault name, or "" for none.
func parseFault(name string) (Fault, error) {
	for _, f := range append(faults, NoFault) {
		if string(f) == name {
			return f, nil
		}
	}
	return NoFault, fmt.Errorf("unknown fault %q: must be one of %s", name, faultNames())
}

// faultFlags collects repeated -fault HOST=FAULT flags.
type faultFlags map[string]Fault

func (f faultFlags) String() string { return "" }

func (f faultFlags) Set(value string) error {
	host, name, _ := strings.Cut(value, "=")
	fault, err := parseFault(name)
	if host == "" || fault == NoFault || err != nil {
		return fmt.Errorf("want HOST=FAULT with FAULT one of %s", faultNames())
	}
	f[host] = fault
	return nil
}
