using Edgemanage.Actors.Inputs;
using Edgemanage.Contracts.Config;

namespace Edgemanage.Node.Configuration;

/// <summary>
/// The checks of a loaded configuration against the file system that <c>validate</c> and every command that
/// loads a network (<c>run</c>, <c>serve</c>, <c>check</c>, …) make alike, so that what validate accepts the others
/// can use: each directory key names a directory (or a path where one can be created), each file key a regular
/// file (or a path where one can be created); FIFOs, sockets and devices are refused by name, at the key's line.
/// </summary>
public static class InputChecks
{
    public static IReadOnlyList<ConfigProblem> Check(EdgemanageSettings settings, ConfigLoadResult config)
    {
        var problems = new List<ConfigProblem>();
        void At(string key, string message)
        {
            var (line, column) = config.Locate(key);
            problems.Add(new ConfigProblem(settings.SourcePath, line, column, message));
        }

        var directories = new List<(string Key, string? Path)>
        {
            ("healthdata_store", settings.HealthDataStore), ("edgelist_dir", settings.EdgeListDir),
            ("extra_edgelist_dir", settings.ExtraEdgeListDir), ("zonetemplate_dir", settings.ZoneTemplateDir),
            ("named_dir", settings.DnsUpdate is null ? settings.NamedDir : null),
            // state_dir defaults to healthdata_store, already checked under that name.
            ("state_dir", config.Locate("state_dir") == (0, 0) ? null : settings.StateDir),
        };
        foreach (var (key, path) in directories)
            if (path is not null && PathProblem(path, FileKind.Directory, key) is { } message) At(key, message);

        var files = new List<(string Key, string? Path)>
        {
            ("logpath", settings.LogPath), ("lockfile", settings.LockFile),
            ("admin.secret_file", settings.Admin.SecretFile), ("metrics.textfile", NoPlaceholder(settings.Metrics.Textfile)),
            ("persistence.connection_string", SqliteDataSource(settings.Persistence)),
        };
        foreach (var (key, path) in files)
            if (path is not null && PathProblem(path, FileKind.Regular, key) is { } message) At(key, message);
        return problems;
    }

    /// <summary>
    /// The per-network paths that are written (live list, default journal, lock): each a regular file or creatable.
    /// The inputs themselves (edge lists, canary file, includes) are judged by their readers.
    /// </summary>
    public static IReadOnlyList<ConfigProblem> CheckNetwork(EdgemanageSettings settings, NetworkPaths paths, ConfigLoadResult config)
    {
        var problems = new List<ConfigProblem>();
        var written = new List<(string Key, string? Path)>
        {
            ("live_list", paths.LiveList),
            ("state_dir", settings.Persistence.ConnectionString is null ? paths.Journal : null),
            ("state_dir", paths.NetworkLock),
        };
        foreach (var (key, path) in written)
        {
            if (path is null || PathProblem(path, FileKind.Regular, key) is not { } message) continue;
            var (line, column) = config.Locate(key) is (0, 0) && key == "state_dir" ? config.Locate("healthdata_store") : config.Locate(key);
            problems.Add(new ConfigProblem(settings.SourcePath, line, column, message));
        }
        return problems;
    }

    /// <summary>
    /// Null when <paramref name="path"/> is of the expected kind, or missing but creatable (its nearest existing
    /// ancestor is a directory); otherwise what is wrong, naming the key, the path and the kind found.
    /// </summary>
    public static string? PathProblem(string path, FileKind expected, string key)
    {
        FileFacts facts;
        try
        {
            facts = InputFile.Examine(path);
        }
        catch (InputFileException e)
        {
            return $"{key}: {e.Message}";
        }
        if (facts.Exists)
            return facts.Kind == expected ? null
                : $"{key} '{path}' is {InputFile.Describe(facts.Kind)}, not {InputFile.Describe(expected)}";
        if (facts.ViaSymlink) return $"{key} '{path}' is a symlink to something that does not exist";
        for (var parent = Path.GetDirectoryName(Path.GetFullPath(path)); parent is not null; parent = Path.GetDirectoryName(parent))
        {
            FileFacts above;
            try
            {
                above = InputFile.Examine(parent);
            }
            catch (InputFileException)
            {
                return null; // cannot look further up (no permission): creating it will say why, with the path
            }
            if (!above.Exists) continue;
            return above.Kind == FileKind.Directory ? null
                : $"{key} '{path}' cannot be created: '{parent}' is {InputFile.Describe(above.Kind)}, not a directory";
        }
        return null;
    }

    // metrics.textfile may hold {dnet}; the directory part is what can be checked without a network.
    private static string? NoPlaceholder(string? path) => path is null || path.Contains('{') ? null : path;

    private static string? SqliteDataSource(PersistenceSettings persistence)
    {
        if (persistence.Provider != PersistenceProvider.Sqlite || persistence.ConnectionString is not { Length: > 0 } cs) return null;
        try
        {
            return new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(cs).DataSource is { Length: > 0 } source
                ? Path.GetFullPath(source) : null;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException)
        {
            return null; // reported by the loader at its line
        }
    }
}
