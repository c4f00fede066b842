package engine

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/events"
	"github.com/pier-engine/pier/internal/failpoint"
	"github.com/pier-engine/pier/internal/lock"
	"github.com/pier-engine/pier/internal/oci"
	"github.com/pier-engine/pier/internal/state"
)

// Remove deletes a container and everything it owns. The state row is
// marked "removing" first and deleted last, so a crash in between leaves a
// row that `rm -f` finishes.
func (r *Runtime) Remove(ctx context.Context, nameOrID string, opts RemoveOptions) error {
	c, l, err := r.locked(ctx, nameOrID)
	if err != nil {
		return err
	}
	if err := r.removeLocked(ctx, c, l, opts); err != nil {
		l.Unlock()
		return err
	}
	return nil
}

// RemoveDepend is rm --depend: it removes every container that depends on
// the container (dependents of dependents first), then the container. It
// returns the IDs of the dependents it removed, in order.
func (r *Runtime) RemoveDepend(ctx context.Context, nameOrID string, opts RemoveOptions) ([]string, error) {
	c, err := r.Lookup(ctx, nameOrID)
	if err != nil {
		return nil, err
	}
	if c.Config.IsInfra {
		// The infra container goes only with its pod, members first.
		return r.removeInfraPod(ctx, c, opts)
	}
	deps, err := r.dependentsOf(ctx, c.Config.ID)
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, d := range deps {
		if err := r.Remove(ctx, d, opts); err != nil && !errors.Is(err, define.ErrNoSuchCtr) {
			return removed, err
		}
		removed = append(removed, d)
	}
	return removed, r.Remove(ctx, c.Config.ID, opts)
}

// removeLocked consumes the lock on success (its file is removed).
func (r *Runtime) removeLocked(ctx context.Context, c *define.Container, l *lock.Lock, opts RemoveOptions) error {
	ctx = context.WithoutCancel(ctx) // half a remove helps nobody
	id := c.Config.ID
	if c.Config.IsInfra && !opts.podRemoval {
		return infraRemoveError(c)
	}
	if c.Config.IsService {
		if err := r.checkServiceRemovable(ctx, c); err != nil {
			return err
		}
	}
	// Checked before anything is stopped or deleted; the store refuses
	// again in the removing transaction.
	if deps, err := r.store.Dependents(ctx, define.KindContainer, id); err != nil {
		return err
	} else if len(deps) > 0 {
		return state.DependentsError(id, deps)
	}
	if c.State.Running() {
		if !opts.Force {
			return fmt.Errorf("cannot remove container %s as it is %s - running or paused containers cannot be removed without force: %w",
				id, c.State.Status, define.ErrCtrStateInvalid)
		}
		if err := r.stopLocked(ctx, c, opts.Timeout); err != nil {
			return err
		}
	}
	// Decided before the status is overwritten.
	mayRun := processMayRun(c)
	c.State.Status = define.StatusRemoving
	if err := r.save(ctx, c); err != nil {
		return err
	}
	failpoint.Hit("remove-after-stop")
	hadNet := c.State.NetNS != ""
	// When nothing runs and no network teardown reads them, pier's own
	// directories go beside the runtime's and the storage's deletion; a
	// crash in between leaves a removing row whose next rm redoes it all.
	dirsDone := make(chan error, 1)
	early := !mayRun && !hadNet
	if early {
		go func() { dirsDone <- r.removeCtrDirs(id) }()
	}
	if err := r.teardownAll(ctx, c, mayRun); err != nil {
		if early {
			<-dirsDone
		}
		return err
	}
	if hadNet {
		if err := r.save(ctx, c); err != nil {
			return err
		}
	}
	failpoint.Hit("remove-after-storage")
	r.releaseHostMounts(c)
	r.unmountImages(ctx, c)
	if !early {
		dirsDone <- r.removeCtrDirs(id)
	}
	if err := <-dirsDone; err != nil {
		return err
	}
	if err := r.store.RemoveContainer(ctx, id); err != nil && !errors.Is(err, define.ErrNoSuchCtr) {
		return err
	}
	// run --rm takes its anonymous volumes with it, as podman's does.
	if opts.Volumes || c.Config.AutoRemove {
		if err := r.removeAnonymousVolumes(ctx, c.Config.Mounts); err != nil {
			return err
		}
	}
	if c.Config.CIDFile != "" {
		// podman removes it whatever it holds by now; a file already
		// gone is fine.
		_ = os.Remove(c.Config.CIDFile)
	}
	r.ctrEvent(c, events.Remove)
	return l.Remove()
}

// removeCtrDirs removes pier's run and data directories of container id.
func (r *Runtime) removeCtrDirs(id string) error {
	for _, d := range []string{r.ctrRunDir(id), r.ctrPaths(id).DataDir} {
		if err := os.RemoveAll(d); err != nil {
			return fmt.Errorf("removing %s: %w", d, err)
		}
	}
	return nil
}

// processMayRun reports whether a process of the container may still be
// alive. Once the container's init has exited (exited, stopped) its PID
// namespace is gone with every process in it; a created or configured
// container may have a runtime container whose init waits (a CLI killed
// mid-start), or a removal that crashed may have left anything.
func processMayRun(c *define.Container) bool {
	switch c.State.Status {
	case define.StatusExited, define.StatusStopped:
		return false
	}
	return true
}

// teardown deletes the runtime's container and the storage. When no
// process can run they are independent and go in parallel (a third of
// `run --rm`'s teardown); otherwise the runtime's forced delete, which
// kills what is left, comes first: storage is never pulled from under a
// live process.
func (r *Runtime) teardown(ctx context.Context, c *define.Container, mayRun bool) error {
	deleteStorage := func() error {
		images, err := r.Images(ctx)
		if err != nil {
			return err
		}
		r.releaseHostMounts(c)
		r.unmountImages(ctx, c)
		dropRootfsOverlay(images, c)
		if err := images.DeleteContainer(c.Config.ID); err != nil {
			return fmt.Errorf("removing storage of container %s: %w", c.Config.Name, err)
		}
		return nil
	}
	if mayRun {
		if err := r.deleteRuntimeContainer(ctx, c); err != nil {
			return err
		}
		return deleteStorage()
	}
	rtDone := make(chan error, 1)
	go func() { rtDone <- r.deleteRuntimeContainer(ctx, c) }()
	err := deleteStorage()
	if rtErr := <-rtDone; rtErr != nil {
		return rtErr
	}
	return err
}

// teardownAll is teardown and the network's teardown. When nothing of the
// container can run, the network goes (netavark's firewall rules: the
// longest part of removing a bridged container) beside the runtime's
// delete and the storage's; it works on a copy of the container, whose
// network fields are taken back at the end. Otherwise the network goes
// after the runtime's forced delete, as before.
func (r *Runtime) teardownAll(ctx context.Context, c *define.Container, mayRun bool) error {
	if c.State.NetNS == "" || mayRun {
		err := r.teardown(ctx, c, mayRun)
		if err == nil {
			r.teardownNetwork(ctx, c)
		}
		return err
	}
	nc := *c
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.teardownNetwork(ctx, &nc)
	}()
	err := r.teardown(ctx, c, mayRun)
	<-done
	c.State.NetNS, c.State.NetworkStatus = nc.State.NetNS, nc.State.NetworkStatus
	c.State.SlirpPID, c.State.SlirpSubnet = nc.State.SlirpPID, nc.State.SlirpSubnet
	return err
}

// Rename changes a container's name; the new name must be free.
func (r *Runtime) Rename(ctx context.Context, nameOrID, newName string) error {
	if err := validateName(newName); err != nil {
		return err
	}
	c, l, err := r.locked(ctx, nameOrID)
	if err != nil {
		return err
	}
	defer l.Unlock()
	if err := r.store.RenameContainer(ctx, c.Config.ID, newName); err != nil {
		if errors.Is(err, define.ErrNameInUse) {
			return fmt.Errorf("renaming container %s to %q: %w", c.Config.Name, newName, err)
		}
		return err
	}
	c.Config.Name = newName
	r.ctrEvent(c, events.Rename)
	return nil
}

// PruneContainers removes every container that is not running.
func (r *Runtime) PruneContainers(ctx context.Context) ([]string, error) {
	return r.pruneContainers(ctx, nil)
}

// pruneContainers removes the containers that are not running and that
// match (nil: all of them).
func (r *Runtime) pruneContainers(ctx context.Context, match func(*define.Container) bool) ([]string, error) {
	cs, err := r.Containers(ctx)
	if err != nil {
		return nil, err
	}
	var removed, pending []string
	var errs []error
	for _, c := range cs {
		if c.Config.IsInfra {
			continue // goes with its pod (pod prune), as in podman
		}
		switch c.State.Status {
		case define.StatusExited, define.StatusStopped, define.StatusConfigured, define.StatusCreated:
			if match == nil || match(c) {
				pending = append(pending, c.Config.ID)
			}
		}
	}
	// A container others depend on waits until they are gone; a pass
	// that removes nothing ends it (the rest have running dependents).
	for progress := true; progress && len(pending) > 0; {
		progress = false
		var later []string
		for _, id := range pending {
			err := r.Remove(ctx, id, RemoveOptions{})
			switch {
			case err == nil:
				removed, progress = append(removed, id), true
			case errors.Is(err, define.ErrCtrExists):
				later = append(later, id)
			case !errors.Is(err, define.ErrNoSuchCtr) && !errors.Is(err, define.ErrCtrStateInvalid):
				errs = append(errs, err)
			}
		}
		pending = later
	}
	return removed, errors.Join(errs...)
}

// CollectGarbage removes what CLIs killed mid-operation left behind and no
// container owns: lock files of containers that were never saved.
func (r *Runtime) CollectGarbage(ctx context.Context) error {
	cs, err := r.store.Containers(ctx)
	if err != nil {
		return err
	}
	ids := map[string]bool{}
	for _, c := range cs {
		ids[c.Config.ID] = true
	}
	// A container saved after our listing holds its lock from before the
	// save until after it, so GC (which skips held locks) cannot race it.
	// Volumes hold their lock while their row is added, likewise.
	exists := func(kind, id string) bool {
		if kind == kindVolume {
			_, err := r.store.Volume(ctx, id)
			return err == nil
		}
		if kind == kindPod {
			_, err := r.store.Pod(ctx, id)
			return err == nil
		}
		if ids[id] {
			return true
		}
		_, err := r.store.Container(ctx, id)
		return err == nil
	}
	return r.locks.GC(func(name string) bool { return r.keepLock(name, exists) })
}

// deleteRuntimeContainer removes the runtime's record of the container, if
// it has one (runc keeps its state in <root>/<id>; checking saves an exec).
func (r *Runtime) deleteRuntimeContainer(ctx context.Context, c *define.Container) error {
	rt, err := r.runtimeFor(c)
	if err != nil {
		return nil // a runtime gone from the host has no state to delete
	}
	if _, err := os.Stat(r.runtimeStateDir(rt, c.Config.ID)); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err := rt.Delete(ctx, c.Config.ID, true); err != nil && !errors.Is(err, oci.ErrNotExist) {
		return fmt.Errorf("deleting runtime container %s: %w", c.Config.Name, err)
	}
	return nil
}
