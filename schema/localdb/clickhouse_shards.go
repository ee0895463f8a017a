package localdb

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// ShardCluster is the name of the ClickHouse cluster StartClickHouseShards defines (the value
// of LIVEDESK_CLICKHOUSE_CLUSTER).
const ShardCluster = "livedesk"

// StartClickHouseShards starts n ClickHouse servers under dir/shardN, each with the same
// remote_servers entry: cluster ShardCluster of n shards, one replica each, no ZooKeeper. Any of
// them can take livedesk's queries. When one fails to start, those started are stopped.
func StartClickHouseShards(ctx context.Context, dir string, n int) ([]*Server, error) {
	ports := make([]int, n)
	var b strings.Builder
	b.WriteString("<remote_servers><" + ShardCluster + ">")
	for i := range ports {
		p, err := FreePort()
		if err != nil {
			return nil, err
		}
		ports[i] = p
		fmt.Fprintf(&b, "<shard><replica><host>127.0.0.1</host><port>%d</port></replica></shard>", p)
	}
	b.WriteString("</" + ShardCluster + "></remote_servers>")
	var out []*Server
	for i, p := range ports {
		s, err := startClickHouse(ctx, filepath.Join(dir, "shard"+strconv.Itoa(i+1)), p, b.String())
		if err != nil {
			for _, o := range out {
				o.Stop()
			}
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}
