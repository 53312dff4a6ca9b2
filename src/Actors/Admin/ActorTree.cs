using Akka.Actor;

namespace Edgemanage.Actors.Admin;

/// <summary>
/// ctl's <c>actor hierarchy</c>. pbm walks a remote node with wildcard ActorSelections and Identify; the admin
/// actor lives in the same process as the systems it reports on, so it reads each actor's children directly:
/// no collection window to guess, a complete answer, and a stable (sorted) order.
/// </summary>
public static class ActorTree
{
    /// <param name="depth">Levels below the root guardian to include (1 = /user and /system); 0 = all.</param>
    public static IReadOnlyList<string> Paths(IReadOnlyList<ActorSystem> systems, int depth)
    {
        var paths = new List<string>();
        foreach (var system in systems)
        {
            var root = ((ExtendedActorSystem)system).Provider.RootGuardian;
            Walk(root, 1, depth, paths);
        }
        return paths;
    }

    private static void Walk(IActorRef parent, int level, int maxDepth, List<string> paths)
    {
        if (parent is not ActorRefWithCell withCell) return;
        foreach (var child in withCell.Children.OrderBy(c => c.Path.Name, StringComparer.Ordinal))
        {
            // Temporary actors (asks, $-named anonymous children) come and go between two calls; they are noise here.
            if (child.Path.Name.StartsWith('$')) continue;
            paths.Add(child.Path.ToString());
            if (maxDepth == 0 || level < maxDepth) Walk(child, level + 1, maxDepth, paths);
        }
    }
}
