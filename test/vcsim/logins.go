package main

import (
	"encoding/json"
	"io"
	"net/http"
	"sync/atomic"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// logins lets the control endpoint make this vCenter refuse new logins, as one does whose
// account is locked or whose SSO domain is down: vcsim's SessionManager asks ValidLogin, which
// checks the user and password as vcsim would, and says no while refusing. Sessions already open
// stay valid, as on a real vCenter.
type logins struct {
	user     string
	password string
	refusing atomic.Bool
}

func installLogins(manager *simulator.SessionManager, user, password string) *logins {
	l := &logins{user: user, password: password}
	manager.ValidLogin = func(req *types.Login) bool {
		return !l.refusing.Load() && req.UserName == l.user && req.Password == l.password
	}
	return l
}

// POST /refuse-logins {"refuse": true} refuses new logins (InvalidLogin), {"refuse": false} accepts them again.
func (l *logins) serveRefuse(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Refuse *bool `json:"refuse"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&body); err != nil || body.Refuse == nil {
		reply(w, http.StatusBadRequest, map[string]string{"error": "body: want {\"refuse\": true or false}"})
		return
	}
	l.refusing.Store(*body.Refuse)
	reply(w, http.StatusOK, map[string]bool{"ok": true})
}

func (l *logins) isRefusing() bool {
	return l.refusing.Load()
}
