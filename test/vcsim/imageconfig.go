package main

import (
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// imageConfigManager is a host's HostImageConfigManager (configManager.imageConfigManager),
// which vcsim's model names ("ha-image-config-manager", one for all hosts) but does not
// implement. It answers HostImageConfigGetAcceptance with the host's acceptance level, the
// same level the host's simulated CIM server enforces on installs.
type imageConfigManager struct {
	mo.HostImageConfigManager
	host *remediableHost
}

// addImageConfigManager registers the host's own manager and points configManager at it.
func (h *remediableHost) addImageConfigManager() {
	manager := &imageConfigManager{host: h}
	manager.Self = types.ManagedObjectReference{Type: "HostImageConfigManager", Value: "imageConfigManager-" + h.Self.Value}
	simulator.Map.Put(manager)
	ref := manager.Self
	h.ConfigManager.ImageConfigManager = &ref
}

func (m *imageConfigManager) HostImageConfigGetAcceptance(ctx *simulator.Context, _ *types.HostImageConfigGetAcceptance) soap.HasFault {
	body := new(methods.HostImageConfigGetAcceptanceBody)
	var level string
	var refused *refusal
	ctx.WithLock(m.host.HostSystem, func() {
		refused = m.host.checkConnected()
		level = m.host.acceptance
	})
	if refused != nil {
		body.Fault_ = simulator.Fault(refused.message, refused.fault)
		return body
	}
	body.Res = &types.HostImageConfigGetAcceptanceResponse{Returnval: level}
	return body
}
