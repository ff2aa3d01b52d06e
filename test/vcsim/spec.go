package main

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/url"
	"os"
	"regexp"
)

// Spec is the inventory the simulator models, as its JSON spec file gives it.
type Spec struct {
	Datacenter string        `json:"datacenter"`
	Clusters   []ClusterSpec `json:"clusters"`
	// Datastores backed by local directories; none when absent.
	Datastores []DatastoreSpec `json:"datastores,omitempty"`
}

// DatastoreSpec is one datastore: a local directory that /folder serves and the hosts that mount it.
type DatastoreSpec struct {
	Name string `json:"name"`
	// VMFS-style uuid: summary.url is ds:///vmfs/volumes/<uuid>/.
	UUID          string `json:"uuid"`
	Directory     string `json:"directory"`
	CapacityBytes int64  `json:"capacityBytes"`
	// Space used by what is not in the directory: free space is capacity - this - the directory's files.
	OtherUsedBytes int64       `json:"otherUsedBytes"`
	Mounts         []MountSpec `json:"mounts"`
}

// MountSpec is one host's mount of a datastore; accessible false models a host that lost its path.
type MountSpec struct {
	Host       string `json:"host"`
	Accessible bool   `json:"accessible"`
}

type ClusterSpec struct {
	Name  string     `json:"name"`
	Hosts []HostSpec `json:"hosts"`
}

type HostSpec struct {
	Name string `json:"name"`
	// The certificate of the host's CIM server, exposed as config.certificate.
	CertificatePEM string `json:"certificatePem,omitempty"`
	// capability.rebootSupported; true when absent.
	RebootSupported *bool `json:"rebootSupported,omitempty"`
	// The host's CIM URL, for the host and port of its CIM service tickets.
	CimURL string `json:"cimUrl,omitempty"`
	Fault  Fault  `json:"fault,omitempty"`
	// What HostImageConfigGetAcceptance answers; partner when absent (ESXi's default).
	AcceptanceLevel string `json:"acceptanceLevel,omitempty"`
}

var acceptanceLevels = []string{"vmware_certified", "vmware_accepted", "partner", "community"}

func checkAcceptanceLevel(level string) error {
	for _, known := range acceptanceLevels {
		if level == known {
			return nil
		}
	}
	return fmt.Errorf("%q must be one of vmware_certified, vmware_accepted, partner, community", level)
}

func (h HostSpec) acceptanceLevel() string {
	if h.AcceptanceLevel == "" {
		return "partner"
	}
	return h.AcceptanceLevel
}

func (h HostSpec) rebootSupported() bool {
	return h.RebootSupported == nil || *h.RebootSupported
}

var hostName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

// loadSpec reads and checks a spec file; errors name the field, e.g. clusters[1].hosts[0].name.
func loadSpec(file string) (*Spec, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("-spec %s: %w", file, err)
	}
	decoder := json.NewDecoder(bytes.NewReader(data))
	decoder.DisallowUnknownFields()
	var spec Spec
	if err := decoder.Decode(&spec); err != nil {
		return nil, fmt.Errorf("-spec %s: not a valid spec: %w", file, err)
	}
	if err := spec.check(); err != nil {
		return nil, fmt.Errorf("-spec %s: %w", file, err)
	}
	return &spec, nil
}

func (s *Spec) check() error {
	if s.Datacenter == "" {
		return fmt.Errorf("datacenter: must not be empty")
	}
	if len(s.Clusters) == 0 {
		return fmt.Errorf("clusters: must list at least one cluster")
	}
	clusters := map[string]bool{}
	hosts := map[string]string{}
	for i, cluster := range s.Clusters {
		where := fmt.Sprintf("clusters[%d]", i)
		if cluster.Name == "" || clusters[cluster.Name] {
			return fmt.Errorf("%s.name: must be a unique, non-empty name", where)
		}
		clusters[cluster.Name] = true
		for j, host := range cluster.Hosts {
			where := fmt.Sprintf("%s.hosts[%d]", where, j)
			if !hostName.MatchString(host.Name) {
				return fmt.Errorf("%s.name: %q must be 1-63 letters, digits, '.', '_' or '-'", where, host.Name)
			}
			if first, seen := hosts[host.Name]; seen {
				return fmt.Errorf("%s.name: duplicate host %q (also %s)", where, host.Name, first)
			}
			hosts[host.Name] = where
			if block, _ := pem.Decode([]byte(host.CertificatePEM)); host.CertificatePEM != "" && (block == nil || block.Type != "CERTIFICATE") {
				return fmt.Errorf("%s.certificatePem: must be a PEM certificate", where)
			}
			if u, err := url.Parse(host.CimURL); host.CimURL != "" && (err != nil || u.Hostname() == "") {
				return fmt.Errorf("%s.cimUrl: must be a URL such as https://127.20.0.1:5989", where)
			}
			if _, err := parseFault(string(host.Fault)); err != nil {
				return fmt.Errorf("%s.fault: %w", where, err)
			}
			if err := checkAcceptanceLevel(host.acceptanceLevel()); err != nil {
				return fmt.Errorf("%s.acceptanceLevel: %w", where, err)
			}
		}
	}
	return s.checkDatastores(hosts)
}

func (s *Spec) checkDatastores(hosts map[string]string) error {
	names := map[string]bool{}
	for i, ds := range s.Datastores {
		where := fmt.Sprintf("datastores[%d]", i)
		if !hostName.MatchString(ds.Name) || names[ds.Name] {
			return fmt.Errorf("%s.name: %q must be a unique name of letters, digits, '.', '_' or '-'", where, ds.Name)
		}
		names[ds.Name] = true
		if info, err := os.Stat(ds.Directory); err != nil || !info.IsDir() {
			return fmt.Errorf("%s.directory: %q must be an existing directory", where, ds.Directory)
		}
		if ds.CapacityBytes <= 0 || ds.OtherUsedBytes < 0 || ds.OtherUsedBytes > ds.CapacityBytes {
			return fmt.Errorf("%s: capacityBytes must be > 0 and otherUsedBytes between 0 and capacityBytes", where)
		}
		for j, mount := range ds.Mounts {
			if _, known := hosts[mount.Host]; !known {
				return fmt.Errorf("%s.mounts[%d].host: the spec has no host %q", where, j, mount.Host)
			}
		}
	}
	return nil
}
