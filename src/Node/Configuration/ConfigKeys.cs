namespace Edgemanage.Node.Configuration;

/// <summary>The YAML keys understood at each level, used for unknown-key warnings.</summary>
internal static class ConfigKeys
{
    public static readonly string[] TopLevel =
    [
        // edge_manage 2.2.0 (original-edgemanage.md §2), including its hidden keys
        "testobject", "dns", "run_frequency", "healthdata_store", "edgelist_dir", "extra_edgelist_dir",
        "dnschange_maxfreq", "workers", "retry", "goodenough", "canary_killer", "statefile", "logpath",
        "lockfile", "zonetemplate_dir", "edge_count", "dnet_edge_count", "named_dir", "live_list",
        "canary_files", "commands", "testing", "timeout",
        // new in this implementation
        "probe_timeout", "probe_retries", "accepted_status", "body_max_bytes", "probe_concurrency", "probe_start_rate",
        "probe_source_address", "state_dir", "persistence", "vantage", "history_length",
        "pass_window_seconds", "snapshot_every", "min_edges", "dnschange_window", "zone_template",
        "zone_check_command", "command_timeout", "probe_interval", "decision_interval", "history_batch_window",
        "cluster", "quorum", "vote_stale_after", "min_vantages", "admin", "metrics",
        "publish", "dns_update", "max_edge_list_shrink", "keep_margin", "judge_median_window",
    ];

    public static readonly string[] TestObject = ["host", "port", "proto", "uri", "local", "verify"];
    public static readonly string[] Dns = ["ns_records", "soa_nameserver", "soa_mailbox", "rotate_zones"];
    public static readonly string[] Commands = ["run_before", "run_after", "run_after_changes"];
    public static readonly string[] Persistence = ["provider", "connection_string"];
    public static readonly string[] Cluster = ["system_name", "host", "port", "seed_nodes", "roles"];
    public static readonly string[] Admin = ["enabled", "host", "port", "secret", "secret_file", "tls_certificate", "tls_password"];
    public static readonly string[] Metrics = ["listen", "textfile"];
    public static readonly string[] DnsUpdate = ["primary", "key_file", "ttl", "timeout"];
}
