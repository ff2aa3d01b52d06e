package main

import (
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// Tasks here are driven by this program rather than by vcsim's Task.Run, which holds the
// host's lock for as long as the task runs: a maintenance-mode task that takes seconds (or
// hangs) must leave the host readable. Every change goes through the registry's Update, so
// RetrievePropertiesEx and WaitForUpdatesEx both see it.

// refusal is why a host refuses an operation: a vim25 fault and the message vCenter shows.
type refusal struct {
	fault   types.BaseMethodFault
	message string
}

func (r *refusal) localized() *types.LocalizedMethodFault {
	return &types.LocalizedMethodFault{Fault: r.fault, LocalizedMessage: r.message}
}

var (
	notInRightState = &refusal{&types.InvalidState{}, "The operation is not allowed in the current state."}
	notSupported    = &refusal{&types.NotSupported{}, "The operation is not supported on the object."}
	timedOut        = &refusal{&types.Timedout{}, "Operation timed out."}
)

func notConnected(host string) *refusal {
	return &refusal{&types.HostNotConnected{}, "Unable to communicate with the remote host " + host + ", since it is not connected."}
}

func taskInProgress(task *simulator.Task) *refusal {
	return &refusal{&types.TaskInProgress{Task: task.Self}, "Another task is already in progress."}
}

func systemError(err error) *refusal {
	return &refusal{&types.SystemError{Reason: err.Error()}, err.Error()}
}

// startTask creates a running task on the host, as listed in its recentTask. method is the
// simulator's spelling, e.g. "enterMaintenanceModeTask" for EnterMaintenanceMode_Task.
func startTask(ctx *simulator.Context, host *simulator.HostSystem, method string, cancelable bool) *simulator.Task {
	task := simulator.CreateTask(host, method, nil)
	ctx.WithLock(task, func() {
		ctx.Update(task, []types.PropertyChange{
			{Name: "info.entityName", Val: host.Name},
			{Name: "info.cancelable", Val: cancelable},
			{Name: "info.startTime", Val: time.Now()},
			{Name: "info.state", Val: types.TaskInfoStateRunning},
			{Name: "info.progress", Val: int32(0)},
		})
	})
	return task
}

// taskEnded: succeeded, failed, or cancelled by a client (CancelTask).
func taskEnded(task *simulator.Task) bool {
	return task.Info.State == types.TaskInfoStateSuccess || task.Info.State == types.TaskInfoStateError
}

func setProgress(ctx *simulator.Context, task *simulator.Task, percent int32) {
	ctx.WithLock(task, func() {
		if !taskEnded(task) && task.Info.Progress != percent {
			ctx.Update(task, []types.PropertyChange{{Name: "info.progress", Val: percent}})
		}
	})
}

// finishTask ends a running task: success when failure is nil. It leaves an ended task alone.
func finishTask(ctx *simulator.Context, task *simulator.Task, failure *refusal) {
	ctx.WithLock(task, func() {
		if taskEnded(task) {
			return
		}
		changes := []types.PropertyChange{{Name: "info.completeTime", Val: time.Now()}}
		if failure == nil {
			changes = append(changes,
				types.PropertyChange{Name: "info.progress", Val: int32(100)},
				types.PropertyChange{Name: "info.state", Val: types.TaskInfoStateSuccess})
		} else {
			changes = append(changes,
				types.PropertyChange{Name: "info.error", Val: failure.localized()},
				types.PropertyChange{Name: "info.state", Val: types.TaskInfoStateError})
		}
		ctx.Update(task, changes)
	})
}
