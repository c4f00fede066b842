package specgen

import (
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pier-engine/pier/internal/define"
)

// ParseSecret parses --secret's "NAME[,type=mount|env][,target=T][,uid=N]
// [,gid=N][,mode=M]" (also source=NAME) as podman does: a file at
// /run/secrets/NAME, mode 0444, owned by root, unless asked otherwise; a
// relative target is under /run/secrets; env secrets are the variable
// NAME (or target) and take no uid, gid or mode.
func ParseSecret(s string) (define.ContainerSecret, error) {
	parts := strings.Split(s, ",")
	sec := define.ContainerSecret{Mode: 0o444}
	var typ string
	var fileOpt bool
	for i, p := range parts {
		k, v, hasV := strings.Cut(p, "=")
		if i == 0 && !hasV {
			sec.Name = p
			continue
		}
		if !hasV {
			return define.ContainerSecret{}, invalidf("option %s must be in form option=value: invalid secret option", p)
		}
		switch k {
		case "source":
			sec.Name = v
		case "type":
			if v != "mount" && v != "env" {
				return define.ContainerSecret{}, invalidf("type %s is invalid: invalid secret option", v)
			}
			typ = v
		case "target":
			sec.Target = v
		case "uid", "gid", "mode":
			base := 10
			if k == "mode" {
				base = 8
			}
			n, err := strconv.ParseUint(v, base, 32)
			if err != nil {
				return define.ContainerSecret{}, invalidf("%s %s invalid: invalid secret option", k, v)
			}
			switch k {
			case "uid":
				sec.UID = uint32(n)
			case "gid":
				sec.GID = uint32(n)
			default:
				sec.Mode = uint32(n)
			}
			fileOpt = true
		default:
			return define.ContainerSecret{}, invalidf("option %s invalid: invalid secret option", p)
		}
	}
	if sec.Name == "" {
		return define.ContainerSecret{}, invalidf("no secret name given: invalid secret option")
	}
	if typ == "env" {
		if fileOpt {
			return define.ContainerSecret{}, invalidf("UID, GID, Mode options cannot be set with secret type env: invalid secret option")
		}
		sec.Env = true
		if sec.Target == "" {
			sec.Target = sec.Name
		}
		return sec, nil
	}
	if sec.Target == "" {
		sec.Target = sec.Name
	}
	if !filepath.IsAbs(sec.Target) {
		sec.Target = filepath.Join("/run/secrets", sec.Target)
	}
	return sec, nil
}
