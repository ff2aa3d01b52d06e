package main

import (
	"context"
	"fmt"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/types"
)

type timings struct {
	rebootTime      time.Duration
	maintenanceTime time.Duration
	ticketLifetime  time.Duration
}

// fleet is every simulated host, in spec order, and what they share.
type fleet struct {
	timings
	cim *cimControl
	// Closed when the simulator stops: background work ends.
	done   chan struct{}
	hosts  []*remediableHost
	byName map[string]*remediableHost
	// The spec's datastores that some host mounts, by name.
	datastores map[string]*datastore
	logins     *logins
	soap       *soapCalls
}

// buildFleet creates the spec's datacenter, clusters and hosts through vcsim's own API, in
// process, and configures each host as the spec says.
func buildFleet(ctx context.Context, service *simulator.Service, spec *Spec, t timings, cim *cimControl) (*fleet, error) {
	f := &fleet{timings: t, cim: cim, done: make(chan struct{}), byName: map[string]*remediableHost{}}
	client, err := vim25.NewClient(ctx, service)
	if err != nil {
		return nil, err
	}
	dc, err := object.NewRootFolder(client).CreateDatacenter(ctx, spec.Datacenter)
	if err != nil {
		return nil, fmt.Errorf("datacenter %s: %w", spec.Datacenter, err)
	}
	folders, err := dc.Folders(ctx)
	if err != nil {
		return nil, err
	}
	for _, clusterSpec := range spec.Clusters {
		cluster, err := folders.HostFolder.CreateCluster(ctx, clusterSpec.Name, types.ClusterConfigSpecEx{})
		if err != nil {
			return nil, fmt.Errorf("cluster %s: %w", clusterSpec.Name, err)
		}
		for _, hostSpec := range clusterSpec.Hosts {
			task, err := cluster.AddHost(ctx, types.HostConnectSpec{HostName: hostSpec.Name}, true, nil, nil)
			if err != nil {
				return nil, fmt.Errorf("host %s: %w", hostSpec.Name, err)
			}
			info, err := task.WaitForResult(ctx, nil)
			if err != nil {
				return nil, fmt.Errorf("host %s: %w", hostSpec.Name, err)
			}
			ref := info.Result.(types.ManagedObjectReference)
			f.hosts = append(f.hosts, &remediableHost{HostSystem: simulator.Map.Get(ref).(*simulator.HostSystem), fleet: f, cluster: clusterSpec.Name, spec: hostSpec})
		}
	}
	// Only now: adding a host to a cluster needs vcsim's own objects for the hosts already there.
	for _, host := range f.hosts {
		f.add(host)
	}
	return f, nil
}

// add configures a host as its spec says and puts it in the registry in place of vcsim's own
// object (the same HostSystem, wrapped: what the wrapper does not define, vcsim answers).
func (f *fleet) add(host *remediableHost) {
	host.locked(func(ctx *simulator.Context) {
		if host.spec.CertificatePEM != "" {
			ctx.Update(host.HostSystem, []types.PropertyChange{{Name: "config.certificate", Val: []byte(host.spec.CertificatePEM)}})
		}
		host.setFault(ctx, host.spec.Fault)
		host.acceptance = host.spec.acceptanceLevel()
		host.addImageConfigManager()
	})
	simulator.Map.Put(host)
	f.byName[host.Name] = host
}

func (f *fleet) host(name string) (*remediableHost, error) {
	host, ok := f.byName[name]
	if !ok {
		return nil, fmt.Errorf("no simulated host named %q", name)
	}
	return host, nil
}
