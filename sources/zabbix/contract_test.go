package zabbix

import (
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources/sourcetest"
)

// The contract every source keeps, against the real Zabbix.
func TestContract(t *testing.T) {
	z := needZabbix(t)
	cfg := adminConfig(t, z)
	cfg.Hosts = []string{"shop-web", "db1"}
	sourcetest.Run(t, mustSource(t, cfg), seedWindow, time.Minute)
}
