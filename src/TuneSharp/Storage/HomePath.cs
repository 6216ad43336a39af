namespace TuneSharp.Storage;

/// <summary>Paths as users write them, with <c>~</c> for the home folder, as Ray accepts them.</summary>
internal static class HomePath
{
    public static string Expand(string path) =>
        Path.GetFullPath(path.StartsWith('~')
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.TrimStart('~').TrimStart('/', '\\'))
            : path);
}
