package specgen

import (
	"strconv"
	"strings"

	units "github.com/docker/go-units"
	spec "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// CPUPeriod is the CFS period --cpus uses, as podman: 100 ms.
const CPUPeriod = 100000

// CPUsQuota turns --cpus into the CFS quota for CPUPeriod.
func CPUsQuota(cpus float64) int64 { return int64(cpus * CPUPeriod) }

// ParseBlkioWeight parses --blkio-weight (10 to 1000, 0 for none) with
// podman's message for a non-number; the range is the runtime's to check.
func ParseBlkioWeight(s string) (uint16, error) {
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil {
		return 0, invalidf("invalid value for blkio-weight: %w", err)
	}
	return uint16(n), nil
}

// ParseWeightDevice parses --blkio-weight-device's DEVICE:WEIGHT.
func ParseWeightDevice(s string) (spec.LinuxWeightDevice, error) {
	path, w, ok := strings.Cut(s, ":")
	n, err := strconv.ParseUint(w, 10, 16)
	if !ok || err != nil || (n != 0 && (n < 10 || n > 1000)) {
		return spec.LinuxWeightDevice{}, invalidf("invalid weight for device: %s", s)
	}
	major, minor, err := deviceNumbers(path)
	if err != nil {
		return spec.LinuxWeightDevice{}, err
	}
	weight := uint16(n)
	d := spec.LinuxWeightDevice{Weight: &weight}
	d.Major, d.Minor = major, minor
	return d, nil
}

// ParseThrottleDevice parses --device-{read,write}-{bps,iops}'s
// DEVICE:RATE; bps rates take sizes ("10mb"), iops rates numbers.
func ParseThrottleDevice(s string, bytes bool) (spec.LinuxThrottleDevice, error) {
	path, v, ok := strings.Cut(s, ":")
	if !ok || path == "" || v == "" {
		return spec.LinuxThrottleDevice{}, invalidf("bad format: %s", s)
	}
	var rate uint64
	if bytes {
		n, err := units.RAMInBytes(v)
		if err != nil || n < 0 {
			return spec.LinuxThrottleDevice{}, invalidf("invalid rate for device: %s. The correct format is <device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional and can be kb, mb, or gb", s)
		}
		rate = uint64(n)
	} else {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return spec.LinuxThrottleDevice{}, invalidf("invalid rate for device: %s. The correct format is <device-path>:<number>. Number must be a positive integer", s)
		}
		rate = n
	}
	major, minor, err := deviceNumbers(path)
	if err != nil {
		return spec.LinuxThrottleDevice{}, err
	}
	d := spec.LinuxThrottleDevice{Rate: rate}
	d.Major, d.Minor = major, minor
	return d, nil
}

// deviceNumbers are the major and minor numbers of the device at path.
func deviceNumbers(path string) (int64, int64, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, 0, invalidf("could not parse device %s: %w", path, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFBLK {
		return 0, 0, invalidf("%s: not a block device", path)
	}
	return int64(unix.Major(uint64(st.Rdev))), int64(unix.Minor(uint64(st.Rdev))), nil
}

// CheckCpuset checks --cpuset-cpus/--cpuset-mems ("0-3,5") with podman's
// message.
func CheckCpuset(what, s string) error {
	if s == "" {
		return nil
	}
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err1 := strconv.ParseUint(lo, 10, 32)
		b, err2 := a, error(nil)
		if isRange {
			b, err2 = strconv.ParseUint(hi, 10, 32)
		}
		if err1 != nil || err2 != nil || b < a {
			return invalidf("invalid value %s for cpuset %s", s, what)
		}
	}
	return nil
}

// CheckSwappiness checks --memory-swappiness: -1 (the system's) or 0-100.
func CheckSwappiness(n int64) error {
	if n != -1 && (n < 0 || n > 100) {
		return invalidf("invalid value: %d, valid memory swappiness range is 0-100", n)
	}
	return nil
}
