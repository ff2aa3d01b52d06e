package main

import (
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"strconv"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// A host that stays notResponding after a reboot keeps its CIM server away this long too.
const neverBackDowntime = 24 * time.Hour

const progressInterval = 100 * time.Millisecond

// remediableHost is a vcsim HostSystem with what remediation needs from vCenter and vcsim
// lacks: a reboot, CIM service tickets, maintenance mode that takes time, and faults. Its
// fields are guarded by the host's own vcsim object lock: request handlers hold it while a
// method runs, background work takes it through locked.
type remediableHost struct {
	*simulator.HostSystem
	fleet   *fleet
	cluster string
	spec    HostSpec

	fault Fault
	// The host's acceptance level, as HostImageConfigGetAcceptance answers it.
	acceptance string
	// From the start of a reboot until the host is back (forever with never-back).
	down bool
	// The latest maintenance-mode or reboot task; the host takes no other while it runs.
	activeTask  *simulator.Task
	counters    hostCounters
	maintenance []maintenanceInterval
}

type hostCounters struct {
	Reboots               int `json:"reboots"`
	EnterMaintenanceCalls int `json:"enterMaintenanceCalls"`
	ExitMaintenanceCalls  int `json:"exitMaintenanceCalls"`
	TicketsIssued         int `json:"ticketsIssued"`
}

type maintenanceInterval struct {
	EnteredAt time.Time  `json:"enteredAt"`
	ExitedAt  *time.Time `json:"exitedAt"`
}

// locked runs f holding the host's lock, on behalf of a context of its own (a context shared
// between goroutines would share the lock too).
func (h *remediableHost) locked(f func(ctx *simulator.Context)) {
	ctx := simulator.SpoofContext()
	ctx.WithLock(h.HostSystem, func() { f(ctx) })
}

// runtimeChange sets runtime.NAME and its summary.runtime twin, so filters on either see it.
func runtimeChange(name string, value any) []types.PropertyChange {
	return []types.PropertyChange{{Name: "runtime." + name, Val: value}, {Name: "summary.runtime." + name, Val: value}}
}

// setFault injects a fault (or clears it with NoFault).
func (h *remediableHost) setFault(ctx *simulator.Context, fault Fault) {
	h.fault = fault
	h.showState(ctx)
}

// setRebootRequired shows (or clears) a change waiting for a reboot, as vCenter does after an install.
func (h *remediableHost) setRebootRequired(ctx *simulator.Context, required bool) {
	if h.Summary.RebootRequired != required {
		ctx.Update(h.HostSystem, []types.PropertyChange{{Name: "summary.rebootRequired", Val: required}})
	}
}

// showState brings connectionState and rebootSupported in line with the fault and reboots.
func (h *remediableHost) showState(ctx *simulator.Context) {
	state := types.HostSystemConnectionStateConnected
	if h.fault == FaultDisconnected {
		state = types.HostSystemConnectionStateDisconnected
	} else if h.down {
		state = types.HostSystemConnectionStateNotResponding
	}
	if h.Runtime.ConnectionState != state {
		ctx.Update(h.HostSystem, runtimeChange("connectionState", state))
	}
	supported := h.spec.rebootSupported() && h.fault != FaultRebootNotSupported
	if h.Capability.RebootSupported != supported {
		ctx.Update(h.HostSystem, []types.PropertyChange{{Name: "capability.rebootSupported", Val: supported}})
	}
}

func (h *remediableHost) checkConnected() *refusal {
	if h.Runtime.ConnectionState != types.HostSystemConnectionStateConnected {
		return notConnected(h.Name)
	}
	return nil
}

// checkFree refuses while another host task runs (a cancelled one no longer does), or while
// the host is not connected.
func (h *remediableHost) checkFree(ctx *simulator.Context) *refusal {
	if refused := h.checkConnected(); refused != nil {
		return refused
	}
	if task := h.activeTask; task != nil {
		running := false
		ctx.WithLock(task, func() { running = !taskEnded(task) })
		if running {
			return taskInProgress(task)
		}
	}
	return nil
}

// release forgets the host's task once it ended, unless a newer one took its place.
func (h *remediableHost) release(task *simulator.Task) {
	if h.activeTask == task {
		h.activeTask = nil
	}
}

func (h *remediableHost) EnterMaintenanceModeTask(ctx *simulator.Context, req *types.EnterMaintenanceMode_Task) soap.HasFault {
	h.counters.EnterMaintenanceCalls++
	task := h.maintenanceTask(ctx, true, req.Timeout)
	return &methods.EnterMaintenanceMode_TaskBody{Res: &types.EnterMaintenanceMode_TaskResponse{Returnval: task.Self}}
}

func (h *remediableHost) ExitMaintenanceModeTask(ctx *simulator.Context, req *types.ExitMaintenanceMode_Task) soap.HasFault {
	h.counters.ExitMaintenanceCalls++
	task := h.maintenanceTask(ctx, false, req.Timeout)
	return &methods.ExitMaintenanceMode_TaskBody{Res: &types.ExitMaintenanceMode_TaskResponse{Returnval: task.Self}}
}

// maintenanceTask starts entering (enter) or exiting maintenance mode, or fails at once when
// the host cannot: already there, another task running, not connected.
func (h *remediableHost) maintenanceTask(ctx *simulator.Context, enter bool, timeoutSeconds int32) *simulator.Task {
	method := "exitMaintenanceModeTask"
	if enter {
		method = "enterMaintenanceModeTask"
	}
	task := startTask(ctx, h.HostSystem, method, true)
	refused := h.checkFree(ctx)
	if refused == nil && h.Runtime.InMaintenanceMode == enter {
		refused = notInRightState
	}
	if refused != nil {
		finishTask(ctx, task, refused)
		return task
	}
	h.activeTask = task
	go h.runMaintenance(task, enter, time.Duration(timeoutSeconds)*time.Second)
	return task
}

// runMaintenance moves the task's progress along for the maintenance time, then flips
// runtime.inMaintenanceMode and ends the task; or fails it with Timedout once a timeout
// (seconds > 0) passes; or stops when a client cancels it. mm-timeout holds an entry at 100 %
// until then, as entries that wait for an evacuation that never ends do.
func (h *remediableHost) runMaintenance(task *simulator.Task, enter bool, timeout time.Duration) {
	started := time.Now()
	ticker := time.NewTicker(progressInterval)
	defer ticker.Stop()
	for ended := false; !ended; {
		select {
		case <-h.fleet.done:
			return
		case <-ticker.C:
		}
		elapsed := time.Since(started)
		h.locked(func(ctx *simulator.Context) {
			ctx.WithLock(task, func() {
				stuck := enter && h.fault == FaultMaintenanceTimeout
				switch {
				case taskEnded(task): // cancelled
				case elapsed >= h.fleet.maintenanceTime && !stuck:
					h.setMaintenanceMode(ctx, enter)
					finishTask(ctx, task, nil)
				case timeout > 0 && elapsed >= timeout:
					finishTask(ctx, task, timedOut)
				default:
					setProgress(ctx, task, percentOf(elapsed, h.fleet.maintenanceTime))
					return
				}
				h.release(task)
				ended = true
			})
		})
	}
}

func percentOf(elapsed, total time.Duration) int32 {
	if elapsed >= total {
		return 100
	}
	return int32(elapsed * 100 / total)
}

func (h *remediableHost) setMaintenanceMode(ctx *simulator.Context, on bool) {
	ctx.Update(h.HostSystem, runtimeChange("inMaintenanceMode", on))
	now := time.Now()
	if on {
		h.maintenance = append(h.maintenance, maintenanceInterval{EnteredAt: now})
	} else if last := len(h.maintenance) - 1; last >= 0 {
		h.maintenance[last].ExitedAt = &now
	}
}

// RebootHostTask: the task succeeds once the reboot has begun, as on a real host; the host is
// then notResponding for the reboot time and comes back with a later bootTime.
func (h *remediableHost) RebootHostTask(ctx *simulator.Context, req *types.RebootHost_Task) soap.HasFault {
	task := startTask(ctx, h.HostSystem, "rebootHostTask", false)
	refused := h.checkFree(ctx)
	switch {
	case refused != nil:
	case !h.Capability.RebootSupported:
		refused = notSupported
	case !h.Runtime.InMaintenanceMode && !req.Force:
		refused = notInRightState
	}
	if refused != nil {
		finishTask(ctx, task, refused)
	} else {
		h.activeTask = task
		go h.reboot(task, h.fault == FaultNeverBack)
	}
	return &methods.RebootHost_TaskBody{Res: &types.RebootHost_TaskResponse{Returnval: task.Self}}
}

// reboot first reboots the host's CIM server (its running install job is lost, as on a real
// host), then takes the host away and, unless it never comes back, brings it back.
func (h *remediableHost) reboot(task *simulator.Task, neverBack bool) {
	downtime := h.fleet.rebootTime
	cimDowntime := downtime
	if neverBack {
		cimDowntime = neverBackDowntime
	}
	err := h.fleet.cim.reboot(h.Name, cimDowntime)
	h.locked(func(ctx *simulator.Context) {
		h.release(task)
		if err != nil {
			finishTask(ctx, task, systemError(err))
			return
		}
		h.counters.Reboots++
		h.down = true
		h.showState(ctx)
		finishTask(ctx, task, nil)
	})
	if err != nil || neverBack {
		return
	}
	select {
	case <-h.fleet.done:
		return
	case <-time.After(downtime):
	}
	h.locked(func(ctx *simulator.Context) {
		h.down = false
		ctx.Update(h.HostSystem, runtimeChange("bootTime", time.Now()))
		h.setRebootRequired(ctx, false)
		h.showState(ctx)
	})
}

// AcquireCimServicesTicket: a random ticket, registered with the host's CIM server, which
// accepts it as user name and password until it expires or the host reboots.
func (h *remediableHost) AcquireCimServicesTicket(ctx *simulator.Context, req *types.AcquireCimServicesTicket) soap.HasFault {
	body := new(methods.AcquireCimServicesTicketBody)
	refuse := func(refused *refusal) soap.HasFault {
		body.Fault_ = simulator.Fault(refused.message, refused.fault)
		return body
	}
	if refused := h.checkConnected(); refused != nil {
		return refuse(refused)
	}
	secret := make([]byte, 16)
	_, _ = rand.Read(secret)
	ticket := hex.EncodeToString(secret)
	if err := h.fleet.cim.registerTicket(h.Name, ticket, h.fleet.ticketLifetime); err != nil {
		return refuse(systemError(err))
	}
	h.counters.TicketsIssued++
	returned := types.HostServiceTicket{SessionId: ticket}
	if cim, err := url.Parse(h.spec.CimURL); h.spec.CimURL != "" && err == nil {
		returned.Host = cim.Hostname()
		if port, err := strconv.Atoi(cim.Port()); err == nil {
			returned.Port = int32(port)
		}
	}
	body.Res = &types.AcquireCimServicesTicketResponse{Returnval: returned}
	return body
}

// hostStats is one host as the control endpoint reports it.
type hostStats struct {
	hostCounters
	Ref               string                `json:"ref"`
	Cluster           string                `json:"cluster"`
	ConnectionState   string                `json:"connectionState"`
	InMaintenanceMode bool                  `json:"inMaintenanceMode"`
	BootTime          *time.Time            `json:"bootTime"`
	RebootSupported   bool                  `json:"rebootSupported"`
	Fault             *Fault                `json:"fault"`
	AcceptanceLevel   string                `json:"acceptanceLevel"`
	Datastores        []string              `json:"datastores"`
	Maintenance       []maintenanceInterval `json:"maintenance"`
}

func (h *remediableHost) stats() hostStats {
	var stats hostStats
	h.locked(func(*simulator.Context) {
		stats = hostStats{
			hostCounters:      h.counters,
			Ref:               h.Self.Value,
			Cluster:           h.cluster,
			ConnectionState:   string(h.Runtime.ConnectionState),
			InMaintenanceMode: h.Runtime.InMaintenanceMode,
			BootTime:          h.Runtime.BootTime,
			RebootSupported:   h.Capability.RebootSupported,
			AcceptanceLevel:   h.acceptance,
			Datastores:        h.datastoreNames(),
			Maintenance:       append([]maintenanceInterval{}, h.maintenance...),
		}
		if h.fault != NoFault {
			fault := h.fault
			stats.Fault = &fault
		}
	})
	return stats
}

// datastoreNames lists the datastores the host mounts (HostSystem.datastore), by name.
func (h *remediableHost) datastoreNames() []string {
	names := []string{}
	for _, ref := range h.Datastore {
		for name, ds := range h.fleet.datastores {
			if ds.Self == ref {
				names = append(names, name)
			}
		}
	}
	return names
}
