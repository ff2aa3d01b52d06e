// vibflow-vcsim is VMware's vCenter simulator (govmomi's vcsim model) holding the clusters and
// hosts of a spec file, extended with what host remediation needs and vcsim lacks: reboots,
// CIM service tickets, maintenance mode that takes time, and injected faults (see host.go).
// Once listening it prints one JSON line: {"url", "thumbprint", "controlUrl"}.
package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/vmware/govmomi/simulator"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(os.Stderr, "vibflow-vcsim: %s\n", err)
		}
		os.Exit(2)
	}
}

type options struct {
	spec          *Spec
	listen        string
	controlListen string
	user          string
	password      string
	cimControl    string
	timings       timings
	stdinExit     bool
}

func parseOptions(args []string) (*options, error) {
	flags := flag.NewFlagSet("vibflow-vcsim", flag.ContinueOnError)
	specFile := flags.String("spec", "", "JSON spec: datacenter, clusters and their hosts (required)")
	listen := flags.String("l", "127.0.0.1:0", "SDK listen address, IP:PORT (port 0: any free port)")
	controlListen := flags.String("control", "127.0.0.1:0", "control endpoint listen address, loopback only")
	user := flags.String("username", "administrator@vsphere.local", "login user name")
	passwordEnv := flags.String("password-env", "VIBFLOW_VCSIM_PASSWORD", "environment variable that holds the login password")
	cimControl := flags.String("cim-control", "", "the CIM simulator's control endpoint, e.g. http://127.0.0.1:9000 (none: reboots and tickets stay in vCenter)")
	reboot := flags.Float64("reboot-seconds", 3, "how long a rebooting host stays notResponding")
	maintenance := flags.Float64("maintenance-seconds", 1, "how long entering or exiting maintenance mode takes")
	ticket := flags.Float64("ticket-seconds", 120, "lifetime of a CIM services ticket")
	hostFaults := faultFlags{}
	flags.Var(hostFaults, "fault", "HOST=FAULT, repeatable; FAULT one of "+faultNames())
	stdinExit := flags.Bool("stdinexit", false, "exit when stdin closes, so the simulator never outlives its parent")
	if err := flags.Parse(args); err != nil {
		return nil, err
	}

	if *specFile == "" {
		return nil, fmt.Errorf("-spec: required")
	}
	spec, err := loadSpec(*specFile)
	if err != nil {
		return nil, err
	}
	if err := applyFaults(spec, hostFaults); err != nil {
		return nil, err
	}
	password := os.Getenv(*passwordEnv)
	if password == "" {
		return nil, fmt.Errorf("-password-env: %s is not set", *passwordEnv)
	}
	if *user == "" {
		return nil, fmt.Errorf("-username: must not be empty")
	}
	if _, err := listenIP(*listen, "-l"); err != nil {
		return nil, err
	}
	if ip, err := listenIP(*controlListen, "-control"); err != nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("-control: %q must be a loopback IP:PORT such as 127.0.0.1:0", *controlListen)
	}
	if u, err := url.Parse(*cimControl); *cimControl != "" && (err != nil || u.Scheme != "http" || u.Host == "") {
		return nil, fmt.Errorf("-cim-control: %q must be an http URL such as http://127.0.0.1:9000", *cimControl)
	}
	durations := map[string]float64{"-reboot-seconds": *reboot, "-maintenance-seconds": *maintenance, "-ticket-seconds": *ticket}
	for name, seconds := range durations {
		if seconds < 0 {
			return nil, fmt.Errorf("%s: must be 0 or more", name)
		}
	}
	return &options{
		spec:          spec,
		listen:        *listen,
		controlListen: *controlListen,
		user:          *user,
		password:      password,
		cimControl:    *cimControl,
		timings:       timings{rebootTime: seconds(*reboot), maintenanceTime: seconds(*maintenance), ticketLifetime: seconds(*ticket)},
		stdinExit:     *stdinExit,
	}, nil
}

func seconds(s float64) time.Duration {
	return time.Duration(s * float64(time.Second))
}

func listenIP(address, flagName string) (net.IP, error) {
	host, _, err := net.SplitHostPort(address)
	ip := net.ParseIP(host)
	if err != nil || ip == nil {
		return nil, fmt.Errorf("%s: %q must be IP:PORT such as 127.0.0.1:0", flagName, address)
	}
	return ip, nil
}

// applyFaults puts -fault flags into the spec, over what it says.
func applyFaults(spec *Spec, hostFaults faultFlags) error {
	for name, fault := range hostFaults {
		found := false
		for c := range spec.Clusters {
			for h := range spec.Clusters[c].Hosts {
				if host := &spec.Clusters[c].Hosts[h]; host.Name == name {
					host.Fault = fault
					found = true
				}
			}
		}
		if !found {
			return fmt.Errorf("-fault %s=%s: the spec has no host %q", name, fault, name)
		}
	}
	return nil
}

func run(args []string) error {
	opts, err := parseOptions(args)
	if err != nil {
		return err
	}
	model := simulator.VPX()
	model.Datacenter = 0 // the spec's inventory replaces vcsim's default one
	if err := model.Create(); err != nil {
		return err
	}
	defer model.Remove()
	hosts, err := buildFleet(context.Background(), model.Service, opts.spec, opts.timings, newCimControl(opts.cimControl))
	if err != nil {
		return err
	}
	if err := hosts.buildDatastores(context.Background(), model.Service, opts.spec.Datastores); err != nil {
		return err
	}
	// /folder uploads are ours (free space, accessibility); registered before vcsim adds its own routes.
	model.Service.ServeMux = http.NewServeMux()
	hosts.serveUploads(model.Service.ServeMux, opts.spec.Datacenter)
	hosts.soap = countSOAP(model.Service.ServeMux, model.Service)

	sdk, certificate, err := serveSDK(model.Service, opts)
	if err != nil {
		return err
	}
	control, err := net.Listen("tcp", opts.controlListen)
	if err != nil {
		return fmt.Errorf("-control: %w", err)
	}
	hosts.logins = installLogins(simulator.Map.SessionManager(), opts.user, opts.password)
	go func() { _ = http.Serve(control, hosts.controlHandler(hosts.logins)) }()

	ready := map[string]string{"url": sdk, "thumbprint": thumbprint(certificate), "controlUrl": "http://" + control.Addr().String()}
	if err := json.NewEncoder(os.Stdout).Encode(ready); err != nil {
		return err
	}

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	if opts.stdinExit {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop <- syscall.SIGTERM
		}()
	}
	<-stop
	close(hosts.done)
	return nil
}

// serveSDK starts the vim25 endpoint over TLS with a fresh certificate; it returns the SDK URL
// (without the login, which NewServer would put in it) and the certificate (DER).
func serveSDK(service *simulator.Service, opts *options) (sdk string, certificate []byte, err error) {
	ip, _ := listenIP(opts.listen, "-l")
	cert, err := selfSignedCertificate(ip)
	if err != nil {
		return "", nil, err
	}
	service.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	service.Listen = &url.URL{Host: opts.listen, User: url.UserPassword(opts.user, opts.password)}
	// vcsim panics when it cannot listen (e.g. the port is taken): make that an error.
	defer func() {
		if failure := recover(); failure != nil {
			err = fmt.Errorf("-l %s: %v", opts.listen, failure)
		}
	}()
	server := service.NewServer()
	public := *server.URL
	public.User = nil
	return public.String(), cert.Certificate[0], nil
}
