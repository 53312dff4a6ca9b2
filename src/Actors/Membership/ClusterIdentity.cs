namespace Edgemanage.Actors.Membership;

public enum JoinStep
{
    /// <summary>Nobody has answered yet and this node may not start a cluster: ask again.</summary>
    Wait,
    /// <summary>Hand the seeds to Akka's seed-node process (it joins a running cluster, or the first seed starts one).</summary>
    Join,
    /// <summary>A seed belongs to another cluster: do not join; stop with <see cref="JoinVerdict.Reason"/>.</summary>
    Refuse,
}

public sealed record JoinVerdict(JoinStep Step, string? Reason = null)
{
    public static readonly JoinVerdict Wait = new(JoinStep.Wait);
    public static readonly JoinVerdict Join = new(JoinStep.Join);
}

/// <summary>One seed's answer: its host:port as it says it, and its cluster identity.</summary>
public sealed record SeedAnswer(string From, string Identity);

/// <summary>
/// What must match for a node to join a cluster, and whether it may. Akka.Cluster joins any node of the same
/// ActorSystem name; a node configured for another network would then join silently and, once the oldest, leave
/// the network without a decider. So a node first asks the seeds for their identity (<see cref="ClusterJoinActor"/>)
/// and joins only when none disagrees.
/// </summary>
public static class ClusterIdentity
{
    /// <summary>The identity every member of one cluster shares: its system name and the networks it serves.</summary>
    public static string Of(string systemName, IEnumerable<string> networks) =>
        $"{systemName}/{string.Join(",", networks.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))}";

    /// <param name="own">This node's identity.</param>
    /// <param name="self">This node's host:port, spelled as in the seed list.</param>
    /// <param name="seeds">host:port of every seed, in the configured order (the same on every node).</param>
    /// <param name="answers">The seeds that answered so far.</param>
    /// <param name="askedOnce">Every seed has had one round to answer.</param>
    public static JoinVerdict Judge(string own, string self, IReadOnlyList<string> seeds, IReadOnlyCollection<SeedAnswer> answers, bool askedOnce)
    {
        if (answers.FirstOrDefault(a => a.Identity != own) is { } other)
            return new JoinVerdict(JoinStep.Refuse,
                $"refused to join the cluster: the node at {other.From} is '{other.Identity}' but this node is '{own}' " +
                "(cluster.system_name/networks served); a node joins only the cluster of its own system name and networks: " +
                "check --seed (cluster.seed_nodes), -A and cluster.system_name");
        if (answers.Count > 0) return JoinVerdict.Join;
        // Nobody up: only the first seed may start a cluster (Akka's rule), so a restarted node never forms a
        // second cluster beside a running one, and the others wait for it.
        if (askedOnce && seeds.Count > 0 && seeds[0] == self) return JoinVerdict.Join;
        return JoinVerdict.Wait;
    }

    /// <summary>A configuration problem of the seed list, or null: every clustered node must be given every seed.</summary>
    public static string? SeedProblem(IReadOnlyList<string> seeds, string self) =>
        seeds.Count == 0
            ? "a cluster node needs its seed nodes: give every node the same list, every node's host:port (--seed HOST:PORT for each, " +
              $"or cluster.seed_nodes); the node listed first may start the cluster, the others only join it (this node is {self})"
            : null;
}
