package e2e

import (
	"net"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

// podmanIPAMDB is podman's address database as root, which pier shares.
const podmanIPAMDB = "/run/containers/networks/ipam.db"

// ipamEntry reads what ipam.db records for container id on network name:
// its ids entry and the owner of the address ip in subnet.
func ipamEntry(t *testing.T, name, subnet, id, ip string) (ids, owner string, bucket bool) {
	t.Helper()
	db, err := bbolt.Open(podmanIPAMDB, 0o600, &bbolt.Options{ReadOnly: true, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_ = db.View(func(tx *bbolt.Tx) error {
		nb := tx.Bucket([]byte(name))
		if nb == nil {
			return nil
		}
		bucket = true
		if b := nb.Bucket([]byte("ids")); b != nil {
			ids = string(b.Get([]byte(id)))
		}
		if b := nb.Bucket([]byte(subnet)); b != nil {
			owner = string(b.Get(net.ParseIP(ip).To4()))
		}
		return nil
	})
	return ids, owner, bucket
}

// A container's address is recorded in podman's ipam.db while it runs
// and freed when it stops; network rm drops the network's bucket.
func TestNetworkIPAMDatabase(t *testing.T) {
	p := newPier(t)
	p.MustRun("network", "create", "--subnet", "10.231.66.0/24", "ipamdb")
	id := p.MustRun("run", "-d", "--network", "ipamdb", Image, "sleep", "100").Out()
	ip := p.Inspect(id, "{{.NetworkSettings.Networks.ipamdb.IPAddress}}")
	ids, owner, _ := ipamEntry(t, "ipamdb", "10.231.66.0/24", id, ip)
	if ids != `["`+ip+`"]` || owner != id {
		t.Fatalf("ipam.db for %s (%s): ids %q, owner %q", id, ip, ids, owner)
	}
	p.MustRun("stop", "-t", "0", id)
	if ids, owner, _ := ipamEntry(t, "ipamdb", "10.231.66.0/24", id, ip); ids != "" || owner != "" {
		t.Fatalf("a stopped container still holds %q/%q", ids, owner)
	}
	p.MustRun("rm", id)
	p.MustRun("network", "rm", "ipamdb")
	if _, _, bucket := ipamEntry(t, "ipamdb", "", "", "0.0.0.0"); bucket {
		t.Fatal("network rm left the network's bucket")
	}
	if strings.Contains(p.MustRun("network", "ls", "-q").Out(), "ipamdb") {
		t.Fatal("network still listed")
	}
}
