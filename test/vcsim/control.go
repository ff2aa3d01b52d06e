package main

import (
	"encoding/json"
	"io"
	"net/http"

	"github.com/vmware/govmomi/simulator"
)

// The control endpoint, for tests and scripts on the same machine:
//
//	GET  /stats                  per host: counters, maintenance intervals, runtime state, fault
//	POST /hosts/NAME/fault            {"fault": "never-back"} injects a fault, {"fault": null} clears it
//	POST /hosts/NAME/reboot-required  {"required": true}: an install waits for a reboot (summary.rebootRequired)
func (f *fleet) controlHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stats", f.serveStats)
	mux.HandleFunc("POST /hosts/{name}/fault", f.serveFault)
	mux.HandleFunc("POST /hosts/{name}/reboot-required", f.serveRebootRequired)
	return mux
}

func (f *fleet) serveRebootRequired(w http.ResponseWriter, r *http.Request) {
	host, err := f.host(r.PathValue("name"))
	if err != nil {
		reply(w, http.StatusNotFound, map[string]string{"error": err.Error()})
		return
	}
	var body struct {
		Required *bool `json:"required"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&body); err != nil || body.Required == nil {
		reply(w, http.StatusBadRequest, map[string]string{"error": "body: want {\"required\": true or false}"})
		return
	}
	host.locked(func(ctx *simulator.Context) { host.setRebootRequired(ctx, *body.Required) })
	reply(w, http.StatusOK, map[string]bool{"ok": true})
}

func (f *fleet) serveStats(w http.ResponseWriter, _ *http.Request) {
	hosts := map[string]hostStats{}
	for _, host := range f.hosts {
		hosts[host.Name] = host.stats()
	}
	reply(w, http.StatusOK, map[string]any{"hosts": hosts})
}

func (f *fleet) serveFault(w http.ResponseWriter, r *http.Request) {
	host, err := f.host(r.PathValue("name"))
	if err != nil {
		reply(w, http.StatusNotFound, map[string]string{"error": err.Error()})
		return
	}
	var body struct {
		Fault *string `json:"fault"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&body); err != nil {
		reply(w, http.StatusBadRequest, map[string]string{"error": "body: want {\"fault\": NAME or null}"})
		return
	}
	fault := NoFault
	if body.Fault != nil {
		if fault, err = parseFault(*body.Fault); err != nil || fault == NoFault {
			reply(w, http.StatusBadRequest, map[string]string{"error": "fault: must be one of " + faultNames() + ", or null"})
			return
		}
	}
	host.locked(func(ctx *simulator.Context) { host.setFault(ctx, fault) })
	reply(w, http.StatusOK, map[string]bool{"ok": true})
}

func reply(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
