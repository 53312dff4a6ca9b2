namespace Edgemanage.Contracts.Config;

/// <summary>
/// The whole configuration file, typed. Key names in comments are the YAML keys; every key the original
/// edge_manage 2.2.0 reads keeps its name and meaning (original-edgemanage.md §2). Paths here are already
/// resolved against the config file's folder, and <c>{dnet}</c> is NOT yet substituted: call
/// <see cref="ForNetwork"/> to get the per-network view.
/// </summary>
public sealed record EdgemanageSettings
{
    /// <summary>The file the settings were read from (for messages), or a label such as "&lt;demo&gt;".</summary>
    public required string SourcePath { get; init; }

    public required TestObjectSettings TestObject { get; init; }       // testobject
    public required DnsSettings Dns { get; init; }                     // dns
    public required double GoodEnough { get; init; }                   // goodenough (seconds, strict <)
    public required int EdgeCount { get; init; }                       // edge_count
    public IReadOnlyDictionary<string, int> NetworkEdgeCount { get; init; } = new Dictionary<string, int>(); // dnet_edge_count
    public required string HealthDataStore { get; init; }              // healthdata_store
    public required string EdgeListDir { get; init; }                  // edgelist_dir
    public string? ExtraEdgeListDir { get; init; }                     // extra_edgelist_dir (optional here, required in 2.2.0)
    public required string StateFile { get; init; }                    // statefile ({dnet})
    public string? LogPath { get; init; }                              // logpath
    public required string LockFile { get; init; }                     // lockfile
    public required string ZoneTemplateDir { get; init; }              // zonetemplate_dir
    public required string NamedDir { get; init; }                     // named_dir ("" when publish: dns-update gives none)
    public string? LiveList { get; init; }                             // live_list ({dnet})
    public string? CanaryFiles { get; init; }                          // canary_files ({dnet})
    public int? CanaryKiller { get; init; }                            // canary_killer (false/0 = off)
    public int? DnsChangeMaxFreq { get; init; }                        // dnschange_maxfreq
    public double? RunFrequency { get; init; }                         // run_frequency (daemon only)
    public int? Workers { get; init; }                                 // workers: accepted, superseded by probe_concurrency
    public CommandSettings Commands { get; init; } = new();            // commands
    public bool Testing { get; init; }                                 // testing (hidden key of the original)

    // ---- keys new in this implementation (all optional, with defaults) ----
    public ProbeSettings Probe { get; init; } = new();
    /// <summary>state_dir: where the SQLite journal lives. Defaults to healthdata_store.</summary>
    public required string StateDir { get; init; }
    public PersistenceSettings Persistence { get; init; } = new();
    /// <summary>vantage: the name of this probing vantage point.</summary>
    public string Vantage { get; init; } = "local";
    /// <summary>history_length: samples kept per edge (the original's FETCH_HISTORY).</summary>
    public int HistoryLength { get; init; } = 2000;
    /// <summary>pass_window_seconds: the window of the pass_window judgement (DECISION_SLICE_WINDOW).</summary>
    public double PassWindowSeconds { get; init; } = 300;
    /// <summary>keep_margin (opt-in, 0 = off): a live edge stays while its latest time is under goodenough × (1 + this).</summary>
    public double KeepMargin { get; init; }
    /// <summary>judge_median_window (opt-in, null = off): judge on the median of this many seconds of samples, not the latest one.</summary>
    public double? JudgeMedianWindowSeconds { get; init; }
    /// <summary>keep_margin as the time the selector compares with; null when off.</summary>
    public double? KeepUnderSeconds => KeepMargin > 0 ? GoodEnough * (1 + KeepMargin) : null;
    /// <summary>snapshot_every: rounds between snapshots of one history group.</summary>
    public int SnapshotEvery { get; init; } = 20;
    /// <summary>
    /// min_edges: on a start without a previous live set, publish fewer than edge_count usable edges only when
    /// there are at least this many (the original published nothing until edge_count were usable).
    /// </summary>
    public int MinEdges { get; init; } = 1;
    /// <summary>
    /// max_edge_list_shrink: the largest fraction of its edges an edge list may lose between the last recorded decision
    /// and now before the guard holds DNS (issue 13); 1 disables the check.
    /// </summary>
    public double MaxEdgeListShrink { get; init; } = 0.5;
    /// <summary>dnschange_window: the window, in seconds, over which dnschange_maxfreq substitutions are counted.</summary>
    public double DnsChangeWindowSeconds { get; init; } = 600;
    /// <summary>zone_template: a DotLiquid template for zone files; null = the built-in one (the original's bytes).</summary>
    public string? ZoneTemplate { get; init; }
    /// <summary>
    /// zone_check_command: run on every new zone before it replaces the old one, with {zone} and {file} substituted.
    /// null = "named-checkzone {zone} {file}" when named-checkzone is on PATH; empty = no check.
    /// </summary>
    public string? ZoneCheckCommand { get; init; }
    /// <summary>probe_interval: serve probes each edge this often (seconds, at least 1); defaults to run_frequency, else 60.</summary>
    public double ProbeIntervalSeconds { get; init; } = 60;
    /// <summary>decision_interval: serve decides the live set this often (seconds), and at once when a live edge fails.</summary>
    public double DecisionIntervalSeconds { get; init; } = 10;
    /// <summary>history_batch_window: serve persists each history group's samples of this many seconds as one event.</summary>
    public double HistoryBatchWindowSeconds { get; init; } = 5;
    /// <summary>cluster: the vantage cluster of <c>serve</c>; null = a node of its own without remoting.</summary>
    public ClusterSettings? Cluster { get; init; }
    /// <summary>admin: where a serving node listens for <c>edgemanage ctl</c>, and the secret that guards changes.</summary>
    public AdminSettings Admin { get; init; } = new();
    /// <summary>metrics: the Prometheus endpoint of a serving node, and the textfile a cron run writes.</summary>
    public MetricsSettings Metrics { get; init; } = new();
    /// <summary>quorum: how many voting vantages must see an edge fail: "majority", a count, or a fraction.</summary>
    public string Quorum { get; init; } = "majority";
    /// <summary>vote_stale_after: observations older than this many seconds do not vote (default 3 × probe_interval).</summary>
    public double? VoteStaleAfterSeconds { get; init; }
    /// <summary>min_vantages: with fewer vantages voting, DNS is frozen.</summary>
    public int MinVantages { get; init; } = 1;
    /// <summary>command_timeout: seconds a run_before / run_after / run_after_changes / check command may take.</summary>
    public double CommandTimeoutSeconds { get; init; } = 30;
    /// <summary>
    /// publish + dns_update: null = <c>publish: files</c> (zone files in named_dir, the original's bytes); set =
    /// <c>publish: dns-update</c>, each zone's owned records sent to a primary by RFC 2136 UPDATE (docs/publishing.md).
    /// </summary>
    public DnsUpdateSettings? DnsUpdate { get; init; }

    public int EdgeCountFor(string network) =>
        NetworkEdgeCount.TryGetValue(network, out var n) ? n : EdgeCount;

    /// <summary>Substitutes <c>{dnet}</c> the way the original does (statefile, live_list, canary_files).</summary>
    public static string SubstituteNetwork(string path, string network) => path.Replace("{dnet}", network, StringComparison.Ordinal);

    public NetworkPaths ForNetwork(string network) => new(
        Network: network,
        EdgeList: Path.Combine(EdgeListDir, network),
        ExtraEdgeList: ExtraEdgeListDir is null ? null : Path.Combine(ExtraEdgeListDir, network),
        ZoneIncludeDir: Path.Combine(ZoneTemplateDir, network),
        StateFile: SubstituteNetwork(StateFile, network),
        LiveList: LiveList is null ? null : SubstituteNetwork(LiveList, network),
        CanaryFile: CanaryFiles is null ? null : SubstituteNetwork(CanaryFiles, network),
        Journal: Path.Combine(StateDir, $"edgemanage-{network}.journal.db"),
        NetworkLock: Path.Combine(StateDir, $"edgemanage-{network}.lock"));
}

public sealed record NetworkPaths(
    string Network, string EdgeList, string? ExtraEdgeList, string ZoneIncludeDir, string StateFile,
    string? LiveList, string? CanaryFile, string Journal, string NetworkLock);

public sealed record TestObjectSettings
{
    public required string Host { get; init; }     // testobject.host: Host header, TLS SNI and certificate name
    public int Port { get; init; } = 80;           // testobject.port (the original defaults to 80 even for https)
    public required string Proto { get; init; }    // testobject.proto: http | https
    public required string Uri { get; init; }      // testobject.uri
    public required string Local { get; init; }    // testobject.local: the local copy whose MD5 is expected
    public required bool Verify { get; init; }     // testobject.verify: TLS certificate verification
}

public sealed record DnsSettings
{
    public required IReadOnlyList<string> NsRecords { get; init; }   // dns.ns_records (each ends in '.')
    public required string SoaNameserver { get; init; }             // dns.soa_nameserver
    public required string SoaMailbox { get; init; }                // dns.soa_mailbox
    public IReadOnlyList<string> RotateZones { get; init; } = [];    // dns.rotate_zones
}

public sealed record CommandSettings
{
    public IReadOnlyList<string> RunBefore { get; init; } = [];
    public IReadOnlyList<string> RunAfter { get; init; } = [];
    public IReadOnlyList<string> RunAfterChanges { get; init; } = [];
}

/// <summary>How probes are made. All keys are new except where noted.</summary>
public sealed record ProbeSettings
{
    /// <summary>probe_timeout: whole-probe deadline in seconds, and the value stored for a failed probe (FETCH_TIMEOUT). Legacy <c>timeout</c> is honoured too.</summary>
    public double TimeoutSeconds { get; init; } = 10;
    /// <summary>probe_retries: extra attempts after a connection error (refused, reset, DNS, TLS). Legacy <c>retry</c> is honoured.</summary>
    public int Retries { get; init; } = 2;
    /// <summary>accepted_status: HTTP status codes that count as success.</summary>
    public IReadOnlyList<StatusRange> AcceptedStatus { get; init; } = [new StatusRange(200, 299)];
    /// <summary>body_max_bytes: a (decoded) body larger than this is a failure of its own kind.</summary>
    public long BodyMaxBytes { get; init; } = 16 * 1024 * 1024;
    /// <summary>probe_concurrency: probes in flight at once, across the whole round.</summary>
    public int Concurrency { get; init; } = 500;
    /// <summary>
    /// probe_start_rate: probes started per second at most (0 = all at once). Spreading the starts keeps this
    /// process from queueing its own work into the measured times when thousands of edges answer together,
    /// at the price of a longer round (N / rate seconds).
    /// </summary>
    public int StartRate { get; init; }
    /// <summary>probe_source_address: bind probe connections to this local address (multi-homed hosts, tests).</summary>
    public string? SourceAddress { get; init; }

    public bool Accepts(int status) => AcceptedStatus.Any(r => r.Contains(status));
}

public readonly record struct StatusRange(int From, int To)
{
    public bool Contains(int status) => status >= From && status <= To;
    public override string ToString() => From == To ? From.ToString() : $"{From}-{To}";
}

public enum PersistenceProvider { Sqlite, PostgreSql }

/// <summary>The <c>dns_update:</c> section, used with <c>publish: dns-update</c>.</summary>
public sealed record DnsUpdateSettings
{
    /// <summary>primary: the host name or IP literal of the primary that takes the UPDATEs.</summary>
    public required string PrimaryHost { get; init; }
    /// <summary>The primary's port (primary: HOST:PORT; 53 when no port is given).</summary>
    public int PrimaryPort { get; init; } = 53;
    /// <summary>key_file: a BIND key file (tsig-keygen output) with one key: its name, algorithm and secret.</summary>
    public required string KeyFile { get; init; }
    /// <summary>ttl: the TTL of the records edgemanage adds (seconds).</summary>
    public int Ttl { get; init; } = 300;
    /// <summary>timeout: seconds each query or UPDATE to the primary may take.</summary>
    public double TimeoutSeconds { get; init; } = 5;

    /// <summary>HOST:PORT as an operator writes it (IPv6 in brackets).</summary>
    public string Primary => (PrimaryHost.Contains(':') ? $"[{PrimaryHost}]" : PrimaryHost) + ":" + PrimaryPort;
}

/// <summary>The <c>cluster:</c> section (and <c>serve</c>'s overrides).</summary>
public sealed record ClusterSettings
{
    public const string VantageRole = "vantage";
    public const string DeciderRole = "decider";

    /// <summary>system_name: every node of one cluster must use the same.</summary>
    public string SystemName { get; init; } = "edgemanage";
    /// <summary>host: the address remoting binds to and advertises; loopback unless configured.</summary>
    public string Host { get; init; } = "127.0.0.1";
    /// <summary>port: 0 picks a free port (a node nobody else joins).</summary>
    public int Port { get; init; } = 4053;
    /// <summary>seed_nodes: host:port of the nodes to join; empty = this node starts the cluster.</summary>
    public IReadOnlyList<string> SeedNodes { get; init; } = [];
    /// <summary>roles: vantage (probes), decider (may host the NetworkActors and zone writers).</summary>
    public IReadOnlyList<string> Roles { get; init; } = [VantageRole, DeciderRole];

    public bool Has(string role) => Roles.Contains(role, StringComparer.Ordinal);
}

/// <summary>The <c>admin:</c> section: the ctl endpoint (Akka.Remote) of a serving node.</summary>
public sealed record AdminSettings
{
    /// <summary>enabled: false = no ctl endpoint (edge mode then refuses to touch a served network).</summary>
    public bool Enabled { get; init; } = true;
    /// <summary>host: the address the endpoint binds to; loopback unless configured.</summary>
    public string Host { get; init; } = "127.0.0.1";
    /// <summary>port: 0 picks a free port (ctl finds it through the network's lock holder file).</summary>
    public int Port { get; init; } = 4050;
    /// <summary>secret: required by commands that change anything. Null = a random one kept in <see cref="SecretFile"/>.</summary>
    public string? Secret { get; init; }
    /// <summary>secret_file: where the secret is read from or generated into (mode 0600); default {state_dir}/admin.secret.</summary>
    public string? SecretFile { get; init; }
    /// <summary>tls_certificate: a PKCS#12 file; when set, the endpoint speaks mutual TLS and answers only to clients with this certificate.</summary>
    public string? TlsCertificate { get; init; }
    /// <summary>tls_password: the certificate file's password (ctl also reads $EDGEMANAGE_ADMIN_TLS_PASSWORD).</summary>
    public string? TlsPassword { get; init; }

    /// <summary>"Every interface": remoting would advertise that literal name and drop messages sent to the node's real one.</summary>
    public static bool IsWildcard(string host) => host is "0.0.0.0" or "::" or "[::]" or "*";
}

/// <summary>The <c>metrics:</c> section.</summary>
public sealed record MetricsSettings
{
    /// <summary>listen: host:port of serve's /metrics endpoint; null = off.</summary>
    public string? Listen { get; init; } = "127.0.0.1:9469";
    /// <summary>textfile: where run writes the same metrics for node_exporter ({dnet} substituted); default {state_dir}/{dnet}.prom; null after "off".</summary>
    public string? Textfile { get; init; }
    /// <summary>True when textfile: off.</summary>
    public bool TextfileOff { get; init; }
}

public sealed record PersistenceSettings
{
    /// <summary>persistence.provider: sqlite (default) | postgresql.</summary>
    public PersistenceProvider Provider { get; init; } = PersistenceProvider.Sqlite;
    /// <summary>persistence.connection_string: for sqlite, defaults to the per-network file in state_dir.</summary>
    public string? ConnectionString { get; init; }
}
