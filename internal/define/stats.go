package define

import "time"

// ContainerStats is one sample of a container's resource use, podman's
// define.ContainerStats field for field (templates and JSON use the
// names). CPU and AvgCPU are percents; the Nano fields nanoseconds.
type ContainerStats struct {
	AvgCPU        float64                          `json:"AvgCPU"`
	ContainerID   string                           `json:"ContainerID"`
	Name          string                           `json:"Name"`
	PerCPU        []uint64                         `json:"PerCPU"`
	CPU           float64                          `json:"CPU"`
	CPUNano       uint64                           `json:"CPUNano"`
	CPUSystemNano uint64                           `json:"CPUSystemNano"`
	SystemNano    uint64                           `json:"SystemNano"`
	MemUsage      uint64                           `json:"MemUsage"`
	MemLimit      uint64                           `json:"MemLimit"`
	MemPerc       float64                          `json:"MemPerc"`
	Network       map[string]ContainerNetworkStats `json:"Network"`
	BlockInput    uint64                           `json:"BlockInput"`
	BlockOutput   uint64                           `json:"BlockOutput"`
	PIDs          uint64                           `json:"PIDs"`
	UpTime        time.Duration                    `json:"UpTime"`
	Duration      uint64                           `json:"Duration"`
	// DataPoints counts the samples AvgCPU averages (not shown, as podman).
	DataPoints int64 `json:"-"`
}

// ContainerNetworkStats are one interface's counters.
type ContainerNetworkStats struct {
	RxBytes   uint64 `json:"RxBytes"`
	RxDropped uint64 `json:"RxDropped"`
	RxErrors  uint64 `json:"RxErrors"`
	RxPackets uint64 `json:"RxPackets"`
	TxBytes   uint64 `json:"TxBytes"`
	TxDropped uint64 `json:"TxDropped"`
	TxErrors  uint64 `json:"TxErrors"`
	TxPackets uint64 `json:"TxPackets"`
}
