package quadlet

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Group names as podman's quadlet spells them.
const (
	groupContainer  = "Container"
	groupXContainer = "X-Container"
	groupQuadlet    = "Quadlet"
	groupXQuadlet   = "X-Quadlet"
	groupUnit       = "Unit"
	groupService    = "Service"
)

// healthKeys maps the Health* keys to pier's --health-* flags, in podman's order.
var healthKeys = [][2]string{
	{"HealthCmd", "cmd"}, {"HealthInterval", "interval"}, {"HealthOnFailure", "on-failure"},
	{"HealthLogDestination", "log-destination"}, {"HealthMaxLogCount", "max-log-count"},
	{"HealthMaxLogSize", "max-log-size"}, {"HealthRetries", "retries"},
	{"HealthStartPeriod", "start-period"}, {"HealthTimeout", "timeout"},
	{"HealthStartupCmd", "startup-cmd"}, {"HealthStartupInterval", "startup-interval"},
	{"HealthStartupRetries", "startup-retries"}, {"HealthStartupSuccess", "startup-success"},
	{"HealthStartupTimeout", "startup-timeout"},
}

// SupportedContainerKeys are the [Container] keys pier-quadlet converts;
// any other key is refused, as podman's quadlet refuses keys it does not know.
var SupportedContainerKeys = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range []string{"Image", "ContainerName", "Exec", "Environment", "EnvironmentFile",
		"PublishPort", "Volume", "Network", "Label", "Annotation", "User", "WorkingDir",
		"PodmanArgs", "Notify", "AddCapability", "DropCapability", "ReadOnly", "Timezone"} {
		m[k] = true
	}
	for _, h := range healthKeys {
		m[h[0]] = true
	}
	return m
}()

var supportedQuadletKeys = map[string]bool{"DefaultDependencies": true}

// ServiceName is the unit a .container file becomes: web.container -> web.service.
func ServiceName(filename string) string {
	return strings.TrimSuffix(filename, filepath.Ext(filename)) + ".service"
}

// ConvertContainer turns a parsed .container file into the service unit
// that runs it with pier (binary: pier's path). user selects the user
// session's network-online dependency, as podman's -user; units holds the
// other .container files found, which [Unit] dependencies may name.
func ConvertContainer(c *UnitFile, pier string, user bool, units map[string]bool) (*UnitFile, error) {
	if err := checkKeys(c); err != nil {
		return nil, err
	}
	image, _ := c.Lookup(groupContainer, "Image")
	if image == "" {
		return nil, fmt.Errorf("no Image key specified")
	}
	if err := refuseUnitReference("Image", image, ".image", ".build"); err != nil {
		return nil, err
	}
	svc, err := newService(c, user, units)
	if err != nil {
		return nil, err
	}
	name := containerName(c)

	svc.Add(groupService, "Environment", "PODMAN_SYSTEMD_UNIT=%n")
	killMode, ok := svc.Lookup(groupService, "KillMode")
	if ok && killMode != "mixed" && killMode != "control-group" {
		return nil, fmt.Errorf("invalid KillMode '%s'", killMode)
	}
	if !ok {
		svc.Set(groupService, "KillMode", "mixed")
	}
	// The monitor may have died without removing the container: force it,
	// and -i ignores one already gone. ExecStopPost runs when ExecStop did not.
	stop := []string{pier, "rm", "-v", "-f", "-i", name}
	svc.Add(groupService, "ExecStop", escapeWords(stop))
	stop[0] = "-" + pier
	svc.Add(groupService, "ExecStopPost", escapeWords(stop))

	args, err := runArgs(c, svc, pier, name, image)
	if err != nil {
		return nil, err
	}
	svc.Add(groupService, "ExecStart", escapeWords(args))
	return svc, nil
}

// newService copies the file (its [Unit], [Service], [Install] and the
// rest pass through) and adds podman's [Unit] defaults.
func newService(c *UnitFile, user bool, units map[string]bool) (*UnitFile, error) {
	svc := c.Dup()
	svc.Filename = ServiceName(c.Filename)
	if err := translateDeps(svc, units); err != nil {
		return nil, err
	}
	if deps, ok := svc.LookupBool(groupQuadlet, "DefaultDependencies"); !ok || deps {
		// Pulling the image needs the network up.
		target := "network-online.target"
		if user {
			target = "podman-user-wait-network-online.service"
		}
		svc.Prepend(groupUnit, "After", target)
		svc.Prepend(groupUnit, "Wants", target)
	}
	if c.Path != "" {
		svc.Add(groupUnit, "SourcePath", c.Path)
	}
	svc.Add(groupUnit, "RequiresMountsFor", "%t/containers")
	// systemd ignores X- groups: the source keys stay visible in the unit.
	svc.Rename(groupContainer, groupXContainer)
	svc.Rename(groupQuadlet, groupXQuadlet)
	return svc, nil
}

// unitDependencyKeys are the [Unit] keys whose quadlet file names become
// service names, as podman's.
var unitDependencyKeys = []string{"After", "Before", "BindsTo", "Conflicts", "OnFailure", "OnSuccess",
	"PartOf", "PropagatesReloadTo", "PropagatesStopTo", "ReloadPropagatedFrom", "Requires",
	"Requisite", "StopPropagatedFrom", "Upholds", "Wants"}

// translateDeps rewrites After=db.container to After=db.service. Only
// .container files are known to pier-quadlet: another quadlet kind named
// there cannot be translated, as in podman when the file is missing.
func translateDeps(svc *UnitFile, units map[string]bool) error {
	for _, key := range unitDependencyKeys {
		deps, err := svc.LookupAllStrv(groupUnit, key)
		if err != nil {
			return err
		}
		translated := false
		for i, d := range deps {
			if !quadletExts[filepath.Ext(d)] {
				continue
			}
			if filepath.Ext(d) != ".container" || !units[d] {
				return fmt.Errorf("unable to translate dependency for %s", d)
			}
			deps[i], translated = ServiceName(d), true
		}
		if translated {
			svc.Unset(groupUnit, key)
			svc.Add(groupUnit, key, strings.Join(deps, " "))
		}
	}
	return nil
}

// quadletExts are the file kinds podman's quadlet reads.
var quadletExts = map[string]bool{".container": true, ".volume": true, ".network": true, ".kube": true,
	".image": true, ".build": true, ".pod": true, ".artifact": true}

func checkKeys(c *UnitFile) error {
	for _, g := range []struct {
		name string
		keys map[string]bool
	}{{groupContainer, SupportedContainerKeys}, {groupQuadlet, supportedQuadletKeys}} {
		for _, k := range c.Keys(g.name) {
			if !g.keys[k] {
				return fmt.Errorf("unsupported key '%s' in group '%s' in %s", k, g.name, c.Path)
			}
		}
	}
	return nil
}

// containerName is ContainerName, else podman's systemd-%N (templates: %p_%i).
func containerName(c *UnitFile) string {
	if n, ok := c.Lookup(groupContainer, "ContainerName"); ok && n != "" {
		return n
	}
	if strings.Contains(c.Filename, "@") {
		return "systemd-%p_%i"
	}
	return "systemd-%N"
}

// refuseUnitReference rejects references to other quadlet units: pier's
// generator converts .container files only.
func refuseUnitReference(key, val string, suffixes ...string) error {
	for _, s := range suffixes {
		if strings.HasSuffix(val, s) {
			return fmt.Errorf("%s=%s: pier-quadlet converts .container files only, %s units are not supported", key, val, s)
		}
	}
	return nil
}
