package main

import (
	"encoding/json"
	"io"
	"net/http"

	"github.com/vmware/govmomi/simulator"
)

// The control endpoint, for tests and scripts on the same machine:
//
//	GET  /stats                  per host: counters, maintenance intervals, runtime state, fault;
//	                             soapCalls: SOAP requests on /sdk by method
//	POST /hosts/NAME/fault            {"fault": "never-back"} injects a fault, {"fault": null} clears it
//	POST /hosts/NAME/reboot-required  {"required": true}: an install waits for a reboot (summary.rebootRequired)
//	POST /hosts/NAME/acceptance       {"level": "community"}: what HostImageConfigGetAcceptance answers
//	POST /datastores/NAME/hosts/HOST  {"accessible": false}: the host's mount loses its path (mountInfo.accessible)
//	POST /refuse-logins               {"refuse": true}: new logins fail with InvalidLogin (see logins.go)
func (f *fleet) controlHandler(logins *logins) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /hosts/{name}/acceptance", f.serveAcceptance)
	mux.HandleFunc("POST /datastores/{datastore}/hosts/{name}", f.serveMountAccess)
	mux.HandleFunc("POST /refuse-logins", logins.serveRefuse)
	mux.HandleFunc("GET /stats", f.serveStats)
	mux.HandleFunc("POST /hosts/{name}/fault", f.serveFault)
	mux.HandleFunc("POST /hosts/{name}/reboot-required", f.serveRebootRequired)
	return mux
}

// hostAndBody finds the host a request names and decodes its JSON body, answering 404 or 400 itself.
func (f *fleet) hostAndBody(w http.ResponseWriter, r *http.Request, body any) (*remediableHost, bool) {
	host, err := f.host(r.PathValue("name"))
	if err != nil {
		reply(w, http.StatusNotFound, map[string]string{"error": err.Error()})
		return nil, false
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(body); err != nil {
		return host, false
	}
	return host, true
}

func (f *fleet) serveRebootRequired(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Required *bool `json:"required"`
	}
	host, ok := f.hostAndBody(w, r, &body)
	if host == nil {
		return
	}
	if !ok || body.Required == nil {
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
	soapCalls := map[string]int64{}
	if f.soap != nil {
		soapCalls = f.soap.snapshot()
	}
	reply(w, http.StatusOK, map[string]any{"hosts": hosts, "refusingLogins": f.logins != nil && f.logins.isRefusing(), "soapCalls": soapCalls})
}

func (f *fleet) serveFault(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Fault *string `json:"fault"`
	}
	host, ok := f.hostAndBody(w, r, &body)
	if host == nil {
		return
	}
	if !ok {
		reply(w, http.StatusBadRequest, map[string]string{"error": "body: want {\"fault\": NAME or null}"})
		return
	}
	var err error
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

func (f *fleet) serveAcceptance(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Level string `json:"level"`
	}
	host, ok := f.hostAndBody(w, r, &body)
	if host == nil {
		return
	}
	if err := checkAcceptanceLevel(body.Level); !ok || err != nil {
		reply(w, http.StatusBadRequest, map[string]string{"error": "level: must be one of vmware_certified, vmware_accepted, partner, community"})
		return
	}
	host.locked(func(*simulator.Context) { host.acceptance = body.Level })
	reply(w, http.StatusOK, map[string]bool{"ok": true})
}

func (f *fleet) serveMountAccess(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Accessible *bool `json:"accessible"`
	}
	host, ok := f.hostAndBody(w, r, &body)
	if host == nil {
		return
	}
	ds, known := f.datastores[r.PathValue("datastore")]
	switch {
	case !known:
		reply(w, http.StatusNotFound, map[string]string{"error": "no datastore named " + r.PathValue("datastore")})
	case !ok || body.Accessible == nil:
		reply(w, http.StatusBadRequest, map[string]string{"error": "body: want {\"accessible\": true or false}"})
	default:
		mounted := false
		ds.locked(func(ctx *simulator.Context) { mounted = ds.setMountAccessible(ctx, host.Self, *body.Accessible) })
		if !mounted {
			reply(w, http.StatusNotFound, map[string]string{"error": host.Name + " does not mount " + ds.Name})
			return
		}
		reply(w, http.StatusOK, map[string]bool{"ok": true})
	}
}
