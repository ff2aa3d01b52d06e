package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/types"
)

// How often summary.freeSpace follows what the datastore's directory holds (files written or
// removed by any client: /folder, FileManager, govc datastore.rm).
const freeSpaceInterval = time.Second

// datastore is one spec datastore: vcsim's Datastore object, backed by a local directory that
// the simulated ESXi hosts read too, so a file uploaded through /folder is what a host installs.
type datastore struct {
	*simulator.Datastore
	spec DatastoreSpec
}

// buildDatastores creates each spec datastore as vcsim's model creates LocalDS_0: a local
// datastore of that name and directory on every host that mounts it (one Datastore object,
// shared), then sets what vcsim does not: summary.url, capacity and free space, and the mounts a
// host cannot access.
func (f *fleet) buildDatastores(ctx context.Context, service *simulator.Service, specs []DatastoreSpec) error {
	client, err := vim25.NewClient(ctx, service)
	if err != nil {
		return err
	}
	f.datastores = map[string]*datastore{}
	for _, spec := range specs {
		var ref types.ManagedObjectReference
		for _, mount := range spec.Mounts {
			host := f.byName[mount.Host]
			system := object.NewHostDatastoreSystem(client, *host.ConfigManager.DatastoreSystem)
			created, err := system.CreateLocalDatastore(ctx, spec.Name, spec.Directory)
			if err != nil {
				return fmt.Errorf("datastore %s on %s: %w", spec.Name, mount.Host, err)
			}
			ref = created.Reference()
		}
		if ref.Value == "" {
			continue // mounted nowhere: vCenter does not know it
		}
		ds := &datastore{Datastore: simulator.Map.Get(ref).(*simulator.Datastore), spec: spec}
		f.datastores[spec.Name] = ds
		ds.locked(func(ctx *simulator.Context) {
			ds.Summary.Url = "ds:///vmfs/volumes/" + spec.UUID + "/"
			ds.Summary.Capacity = spec.CapacityBytes
			ds.Summary.MultipleHostAccess = types.NewBool(len(spec.Mounts) > 1)
			// vcsim's CreateLocalDatastore records only the first host's mount on a datastore that
			// several hosts create: the mounts are set here, one per spec mount.
			mounts := make([]types.DatastoreHostMount, 0, len(spec.Mounts))
			for _, mount := range spec.Mounts {
				mounts = append(mounts, types.DatastoreHostMount{
					Key: f.byName[mount.Host].Self,
					MountInfo: types.HostMountInfo{
						Path:       "/vmfs/volumes/" + spec.UUID,
						AccessMode: string(types.HostMountModeReadWrite),
						Mounted:    types.NewBool(true),
						Accessible: types.NewBool(mount.Accessible),
					},
				})
			}
			ctx.Update(ds.Datastore, []types.PropertyChange{{Name: "host", Val: mounts}})
			if len(mounts) > 0 {
				ds.setMountAccessible(ctx, mounts[0].Key, spec.Mounts[0].Accessible)
			}
			ds.updateFreeSpace(ctx)
		})
	}
	go f.followFreeSpace()
	return nil
}

func (ds *datastore) locked(f func(ctx *simulator.Context)) {
	ctx := simulator.SpoofContext()
	ctx.WithLock(ds.Datastore, func() { f(ctx) })
}

// setMountAccessible sets one host's mountInfo.accessible; summary.accessible is true while
// some host can access the datastore.
func (ds *datastore) setMountAccessible(ctx *simulator.Context, host types.ManagedObjectReference, accessible bool) bool {
	found := false
	mounts := append([]types.DatastoreHostMount{}, ds.Host...)
	anyAccessible := false
	for i := range mounts {
		if mounts[i].Key == host {
			found = true
			mounts[i].MountInfo.Accessible = types.NewBool(accessible)
		}
		if a := mounts[i].MountInfo.Accessible; a != nil && *a {
			anyAccessible = true
		}
	}
	ctx.Update(ds.Datastore, []types.PropertyChange{{Name: "host", Val: mounts}, {Name: "summary.accessible", Val: anyAccessible}})
	return found
}

// freeSpace is the capacity less what is not in the directory and what the directory holds.
func (ds *datastore) freeSpace() int64 {
	var used int64
	_ = filepath.WalkDir(ds.spec.Directory, func(_ string, entry fs.DirEntry, err error) error {
		if err == nil && entry.Type().IsRegular() {
			if info, err := entry.Info(); err == nil {
				used += info.Size()
			}
		}
		return nil
	})
	return max(0, ds.spec.CapacityBytes-ds.spec.OtherUsedBytes-used)
}

func (ds *datastore) updateFreeSpace(ctx *simulator.Context) {
	free := ds.freeSpace()
	if ds.Summary.FreeSpace != free {
		ds.Info.GetDatastoreInfo().FreeSpace = free
		ctx.Update(ds.Datastore, []types.PropertyChange{{Name: "summary.freeSpace", Val: free}})
	}
}

func (f *fleet) followFreeSpace() {
	ticker := time.NewTicker(freeSpaceInterval)
	defer ticker.Stop()
	for {
		select {
		case <-f.done:
			return
		case <-ticker.C:
		}
		for _, ds := range f.datastores {
			ds.locked(ds.updateFreeSpace)
		}
	}
}

// serveUploads takes over PUT and POST of /folder from vcsim (GET stays vcsim's): the same
// semantics (PUT overwrites, POST answers 409 when the file exists, parent directories are
// created), plus what a real datastore does and vcsim does not: a file that does not fit in the
// free space is refused (507, "Insufficient disk space on datastore"), a datastore no host can
// access refuses writes (503), and a path cannot leave the datastore's directory. A client that
// dies mid-upload leaves a partial file, as on a real datastore. Like vcsim, it does not check the session cookie.
func (f *fleet) serveUploads(mux *http.ServeMux, datacenter string) {
	handler := func(w http.ResponseWriter, r *http.Request) {
		query := r.URL.Query()
		ds, found := f.datastores[query.Get("dsName")]
		if dcPath := query.Get("dcPath"); !found || (dcPath != "" && strings.Trim(dcPath, "/") != datacenter) {
			http.Error(w, "datastore not found: dcPath="+query.Get("dcPath")+" dsName="+query.Get("dsName"), http.StatusNotFound)
			return
		}
		status, message := ds.upload(r)
		if status != http.StatusOK {
			http.Error(w, message, status)
			return
		}
		ds.locked(ds.updateFreeSpace)
		w.WriteHeader(status)
	}
	mux.HandleFunc("PUT /folder/", handler)
	mux.HandleFunc("POST /folder/", handler)
}

func (ds *datastore) upload(r *http.Request) (int, string) {
	relative := path.Clean("/" + strings.TrimPrefix(r.URL.Path, "/folder/"))
	if relative == "/" {
		return http.StatusBadRequest, "no file name in the path"
	}
	file := filepath.Join(ds.spec.Directory, filepath.FromSlash(relative))
	accessible := false
	ds.locked(func(*simulator.Context) { accessible = ds.Summary.Accessible })
	if !accessible {
		return http.StatusServiceUnavailable, fmt.Sprintf("Datastore '%s' is not accessible.", ds.Name)
	}
	var existing int64
	if info, err := os.Stat(file); err == nil {
		if r.Method == http.MethodPost {
			return http.StatusConflict, "file exists"
		}
		existing = info.Size()
	}
	room := ds.freeSpace() + existing
	noSpace := fmt.Sprintf("Insufficient disk space on datastore '%s'.", ds.Name)
	if r.ContentLength > room {
		return http.StatusInsufficientStorage, noSpace
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return http.StatusInternalServerError, err.Error()
	}
	// Written in place, as a datastore does: a client that dies mid-upload leaves a partial file.
	out, err := os.Create(file)
	if err != nil {
		return http.StatusInternalServerError, err.Error()
	}
	written, err := io.Copy(out, io.LimitReader(r.Body, room+1))
	closeErr := out.Close()
	switch {
	case written > room:
		_ = os.Remove(file)
		return http.StatusInsufficientStorage, noSpace
	case err != nil:
		return http.StatusInternalServerError, "upload cut short: " + err.Error()
	case closeErr != nil:
		return http.StatusInternalServerError, closeErr.Error()
	case r.ContentLength >= 0 && written != r.ContentLength:
		return http.StatusBadRequest, fmt.Sprintf("got %d bytes of %d", written, r.ContentLength)
	}
	return http.StatusOK, ""
}
