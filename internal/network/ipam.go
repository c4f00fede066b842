package network

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"

	"go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
	"go.podman.io/common/libnetwork/types"
	"go.podman.io/common/libnetwork/util"
	"go.podman.io/storage/pkg/lockfile"

	"github.com/pier-engine/pier/internal/errdefs"
)

// IPAM is podman's address database, ipam.db in the netavark run dir,
// with libnetwork's netavark schema so podman and pier containers on one
// network never get one address:
//
//	bucket <network name>
//	  bucket "ids":      container ID -> JSON array of its addresses
//	  bucket <subnet>:   address (4 or 16 bytes) -> container ID
//	                     "lastIP" -> the last address handed out
//
// Every transaction runs under the host netavark lock, as podman's
// Setup/Teardown allocate and free under it.
type IPAM struct {
	Path string
}

// Used maps an address on a network (its string form) to the ID of the
// container holding it, for addresses held outside the database.
type Used map[string]string

var (
	idsBucket = []byte("ids")
	lastIPKey = []byte("lastIP")
)

func (p IPAM) update(fn func(tx *bbolt.Tx) error) error {
	lk, err := lockfile.GetLockFile(hostLock)
	if err != nil {
		return fmt.Errorf("netavark lock: %w", err)
	}
	lk.Lock()
	defer lk.Unlock()
	if err := os.MkdirAll(filepath.Dir(p.Path), 0o755); err != nil {
		return fmt.Errorf("creating netavark config dir: %w", err)
	}
	db, err := bbolt.Open(p.Path, 0o600, nil)
	if err != nil {
		return fmt.Errorf("IPAM error: failed to open database %s: %w", p.Path, err)
	}
	defer db.Close()
	return db.Update(fn)
}

// usesIPAM is libnetwork's requiresIPAMAlloc: host-local (or unset)
// IPAM driver and at least one subnet.
func usesIPAM(n types.Network) bool {
	switch n.IPAMOptions[types.Driver] {
	case "", types.HostLocalIPAMDriver:
		return len(n.Subnets) > 0
	}
	return false
}

// Allocate gives container id an address on every subnet of each
// attachment's network, in one transaction: the static address asked for
// in a subnet (checked free and not the gateway, podman's IPAM errors),
// else podman's next free one after the subnet's lastIP. Addresses in
// taken (by network name) count as used too. The attachments' StaticIPs
// become the allocated addresses.
func (p IPAM) Allocate(id string, atts []Attachment, taken map[string]Used) error {
	if !slices.ContainsFunc(atts, func(a Attachment) bool { return usesIPAM(a.Network) }) {
		return nil
	}
	return p.update(func(tx *bbolt.Tx) error {
		for i := range atts {
			n := atts[i].Network
			if !usesIPAM(n) {
				continue
			}
			ips, err := allocNetwork(tx, id, n, atts[i].Opts.StaticIPs, taken[n.Name])
			if err != nil {
				return err
			}
			atts[i].Opts.StaticIPs = ips
		}
		return nil
	})
}

func allocNetwork(tx *bbolt.Tx, id string, n types.Network, static []net.IP, taken Used) ([]net.IP, error) {
	netBkt, err := tx.CreateBucketIfNotExists([]byte(n.Name))
	if err != nil {
		return nil, fmt.Errorf("IPAM error: failed to create/get network bucket for network %s: %w", n.Name, err)
	}
	var out []net.IP
	for si := range n.Subnets {
		s := &n.Subnets[si]
		bkt, err := netBkt.CreateBucketIfNotExists([]byte(s.Subnet.String()))
		if err != nil {
			return nil, fmt.Errorf("IPAM error: failed to create/get subnet bucket for network %s: %w", n.Name, err)
		}
		used := func(ip net.IP) string {
			if v := bkt.Get(ip); v != nil && string(v) != id {
				return string(v)
			}
			return taken[ip.String()]
		}
		var ip net.IP
		if i := slices.IndexFunc(static, func(ip net.IP) bool { return s.Subnet.Contains(ip) }); i >= 0 {
			ip = slices.Clone(static[i])
			util.NormalizeIP(&ip)
			if s.Gateway != nil && ip.Equal(s.Gateway) {
				return nil, errdefs.Errorf(errdefs.ErrConflict, "IPAM error: address already in use: requested static IP %s matches the subnet gateway", ip)
			}
			if owner := used(ip); owner != "" && owner != id {
				return nil, errdefs.Errorf(errdefs.ErrConflict, "IPAM error: requested ip address %s is already allocated to container ID %s", ip, owner)
			}
		} else {
			if ip, err = freeIP(bkt, s, used); err != nil {
				return nil, err
			}
			if err := bkt.Put(lastIPKey, ip); err != nil {
				return nil, fmt.Errorf("IPAM error: failed to store last ip in database: %w", err)
			}
		}
		if err := bkt.Put(ip, []byte(id)); err != nil {
			return nil, fmt.Errorf("IPAM error: failed to store ip in database: %w", err)
		}
		out = append(out, ip)
	}
	ids, err := netBkt.CreateBucketIfNotExists(idsBucket)
	if err != nil {
		return nil, fmt.Errorf("IPAM error: failed to create/get id bucket for network %s: %w", n.Name, err)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	if err := ids.Put([]byte(id), b); err != nil {
		return nil, fmt.Errorf("IPAM error: failed to store ips in database: %w", err)
	}
	return out, nil
}

// freeIP is libnetwork's getFreeIPFromBucket: the lease range (else the
// subnet without its network and IPv4 broadcast addresses), searched
// from the address after lastIP, wrapping once, skipping the gateway.
func freeIP(bkt *bbolt.Bucket, s *types.Subnet, used func(net.IP) string) (net.IP, error) {
	var start, end net.IP
	if s.LeaseRange != nil {
		start, end = s.LeaseRange.StartIP, s.LeaseRange.EndIP
	}
	if start == nil || util.Cmp(start, s.Subnet.IP) == 0 {
		start = util.NextIP(s.Subnet.IP)
	}
	last, err := util.LastIPInSubnet(&s.Subnet.IPNet)
	if err != nil {
		return nil, fmt.Errorf("failed to get lastIP: %w", err)
	}
	if end == nil {
		end = last
	}
	if util.IsIPv4(end) && util.Cmp(end, last) == 0 {
		end = util.PrevIP(end)
	}
	fail := fmt.Errorf("IPAM error: failed to find free IP in range: %s - %s: %w", start, end, errdefs.ErrConflict)
	cur := start
	if b := bkt.Get(lastIPKey); b != nil {
		cur = util.NextIP(net.IP(slices.Clone(b)))
	}
	first := cur
	for {
		switch {
		case s.Gateway != nil && util.Cmp(cur, s.Gateway) == 0:
			cur = util.NextIP(cur)
			continue
		case util.Cmp(cur, end) > 0:
			if util.Cmp(start, first) == 0 {
				return nil, fail
			}
			cur = start
			continue
		case used(cur) == "":
			return cur, nil
		}
		cur = util.NextIP(cur)
		if util.Cmp(cur, first) == 0 {
			return nil, fail
		}
	}
}

// Release frees every address container id holds on the named networks
// (the ids bucket says which), so a teardown after a crash frees what an
// allocation recorded even if the container's state never saw it.
func (p IPAM) Release(id string, networks []string) error {
	if len(networks) == 0 {
		return nil
	}
	return p.update(func(tx *bbolt.Tx) error {
		for _, name := range networks {
			netBkt := tx.Bucket([]byte(name))
			if netBkt == nil {
				continue
			}
			ids := netBkt.Bucket(idsBucket)
			if ids == nil {
				continue
			}
			var ips []net.IP
			if b := ids.Get([]byte(id)); b != nil {
				if err := json.Unmarshal(b, &ips); err != nil {
					return fmt.Errorf("IPAM error: failed to unmarshal ips from database: %w", err)
				}
			}
			for _, ip := range ips {
				util.NormalizeIP(&ip)
				if err := releaseIP(netBkt, id, ip); err != nil {
					return fmt.Errorf("IPAM error: failed to remove ip %s from network %s: %w", ip, name, err)
				}
			}
			if err := ids.Delete([]byte(id)); err != nil {
				return fmt.Errorf("IPAM error: failed to remove allocated ips for container ID %s on network %s: %w", id, name, err)
			}
		}
		return nil
	})
}

// releaseIP deletes ip from the subnet bucket holding it, if id holds it.
func releaseIP(netBkt *bbolt.Bucket, id string, ip net.IP) error {
	var subnets [][]byte
	_ = netBkt.ForEachBucket(func(k []byte) error {
		if _, subnet, err := net.ParseCIDR(string(k)); err == nil && subnet.Contains(ip) {
			subnets = append(subnets, slices.Clone(k))
		}
		return nil
	})
	for _, k := range subnets {
		if bkt := netBkt.Bucket(k); string(bkt.Get(ip)) == id {
			if err := bkt.Delete(ip); err != nil {
				return err
			}
		}
	}
	return nil
}

// Assigned returns the addresses container id holds on network name.
func (p IPAM) Assigned(id, name string) ([]net.IP, error) {
	var ips []net.IP
	err := p.update(func(tx *bbolt.Tx) error {
		netBkt := tx.Bucket([]byte(name))
		if netBkt == nil || netBkt.Bucket(idsBucket) == nil {
			return nil
		}
		b := netBkt.Bucket(idsBucket).Get([]byte(id))
		if b == nil {
			return nil
		}
		return json.Unmarshal(b, &ips)
	})
	return ips, err
}

// RemoveNetwork drops a removed network's bucket, as podman's network rm.
func (p IPAM) RemoveNetwork(name string) error {
	return p.update(func(tx *bbolt.Tx) error {
		if err := tx.DeleteBucket([]byte(name)); err != nil && !errors.Is(err, bolterrors.ErrBucketNotFound) {
			return fmt.Errorf("IPAM error: removing network %s: %w", name, err)
		}
		return nil
	})
}
