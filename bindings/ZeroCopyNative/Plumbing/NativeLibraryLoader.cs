using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.IO;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;

namespace ZeroCopyNative;

/// <summary>
/// Finds libzcn.so for the generated bindings (their DllImport name is "libzcn"). Registered for this assembly by a
/// module initializer, so it is in place before the first call into libzcn, under the JIT and under NativeAOT.
/// </summary>
/// <remarks>
/// <para>Order: the full path in the environment variable <c>ZCN_NATIVE_LIBRARY</c> when it is set (and nothing
/// else: a wrong path fails loudly instead of silently loading another copy); otherwise libzcn.so in
/// <see cref="AppContext.BaseDirectory"/>, in this assembly's directory (empty under NativeAOT and single-file),
/// in <c>runtimes/linux-&lt;arch&gt;/native/</c> under each of those (the NuGet layout), then the runtime's default
/// probing and the system loader ("libzcn.so.0", "libzcn.so": LD_LIBRARY_PATH, ld.so.cache). When none loads, a
/// <see cref="DllNotFoundException"/> names the library, every place searched with the reason it failed, and the
/// environment variable.</para>
/// <para>Thread-safe: the handle is resolved at most a few times under a race and then cached; dlopen of one file
/// always yields the same handle.</para>
/// </remarks>
internal static class NativeLibraryLoader
{
    /// <summary>The library name the generated DllImports use.</summary>
    internal const string LibraryName = "libzcn";

    /// <summary>The file name of the shared library.</summary>
    internal const string FileName = "libzcn.so";

    /// <summary>The environment variable that names the exact library file to load.</summary>
    internal const string EnvironmentVariable = "ZCN_NATIVE_LIBRARY";

    /// <summary>Names handed to the system loader last: the SONAME first, then the development name.</summary>
    internal static readonly string[] SystemNames = ["libzcn.so.0", FileName];

    private static IntPtr s_handle;

    [ThreadStatic]
    private static bool t_resolving;

    /// <summary>Tries to load a library by path or name; on failure <paramref name="error"/> says why.</summary>
    internal delegate bool TryLoadLibrary(string pathOrName, out IntPtr handle, out string error);

    // A module initializer is the one hook that runs before any P/Invoke of this assembly binds, whichever type
    // the caller touches first, and it works the same under NativeAOT. The resolver only answers for "libzcn".
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries",
        Justification = "The DllImport resolver must be registered before the first generated P/Invoke binds, from " +
                        "whichever entry point the caller uses; it affects only this assembly's 'libzcn' imports.")]
    internal static void Register() =>
        NativeLibrary.SetDllImportResolver(typeof(NativeLibraryLoader).Assembly, Resolve);

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != LibraryName || t_resolving)
        {
            return IntPtr.Zero;
        }

        IntPtr cached = Volatile.Read(ref s_handle);
        if (cached != IntPtr.Zero)
        {
            return cached;
        }

        t_resolving = true;
        try
        {
            IntPtr handle = Load(
                Environment.GetEnvironmentVariable(EnvironmentVariable),
                CandidatePaths(AppContext.BaseDirectory, AssemblyDirectory(assembly),
                               RuntimeInformation.ProcessArchitecture),
                (string name, out IntPtr h, out string error) =>
                    TryLoadDefault(name, assembly, searchPath, out h, out error),
                TryLoadFile);
            IntPtr previous = Interlocked.CompareExchange(ref s_handle, handle, IntPtr.Zero);
            return previous != IntPtr.Zero ? previous : handle;
        }
        finally
        {
            t_resolving = false;
        }
    }

    /// <summary>
    /// The files to try, in order: libzcn.so in the base directory and the assembly directory, then in
    /// <c>runtimes/linux-&lt;arch&gt;/native/</c> under each. Empty or null directories are skipped, duplicates
    /// dropped.
    /// </summary>
    internal static IReadOnlyList<string> CandidatePaths(string? baseDirectory, string? assemblyDirectory,
                                                         Architecture architecture)
    {
        var directories = new List<string>(2);
        foreach (string? directory in new[] { baseDirectory, assemblyDirectory })
        {
            if (string.IsNullOrEmpty(directory))
            {
                continue;
            }

            string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
            if (!directories.Contains(full))
            {
                directories.Add(full);
            }
        }

        string nativeSubdirectory = Path.Combine("runtimes", "linux-" + ArchitectureName(architecture), "native");
        var paths = new List<string>(directories.Count * 2);
        foreach (string directory in directories)
        {
            paths.Add(Path.Combine(directory, FileName));
        }

        foreach (string directory in directories)
        {
            paths.Add(Path.Combine(directory, nativeSubdirectory, FileName));
        }

        return paths;
    }

    /// <summary>
    /// Loads the library: the exact file named by <paramref name="environmentValue"/> when it is set, else the first
    /// of <paramref name="candidates"/> that loads, else the default probing, else the system names.
    /// </summary>
    /// <exception cref="DllNotFoundException">Nothing loaded; the message lists every attempt.</exception>
    internal static IntPtr Load(string? environmentValue, IReadOnlyList<string> candidates,
                                TryLoadLibrary tryDefault, TryLoadLibrary tryFile)
    {
        string error;
        IntPtr handle;
        if (!string.IsNullOrEmpty(environmentValue))
        {
            string path = Path.GetFullPath(environmentValue);
            if (tryFile(path, out handle, out error))
            {
                return handle;
            }

            throw new DllNotFoundException(FormatEnvironmentFailure(path, error));
        }

        var attempts = new List<(string Where, string Error)>(candidates.Count + 1 + SystemNames.Length);
        foreach (string candidate in candidates)
        {
            if (tryFile(candidate, out handle, out error))
            {
                return handle;
            }

            attempts.Add((candidate, error));
        }

        if (tryDefault(LibraryName, out handle, out error))
        {
            return handle;
        }

        attempts.Add(($"{LibraryName} (the runtime's default probing)", error));
        foreach (string name in SystemNames)
        {
            if (tryFile(name, out handle, out error))
            {
                return handle;
            }

            attempts.Add(($"{name} (the system loader: LD_LIBRARY_PATH, ld.so.cache, /lib, /usr/lib)", error));
        }

        throw new DllNotFoundException(FormatNotFoundMessage(attempts));
    }

    /// <summary>The message when <c>ZCN_NATIVE_LIBRARY</c> names a file that does not load.</summary>
    internal static string FormatEnvironmentFailure(string path, string error) =>
        $"Unable to load the native library '{LibraryName}' from {EnvironmentVariable}={path}: {error}. " +
        $"Point {EnvironmentVariable} at a libzcn.so for this architecture, or unset it to search beside the " +
        "application.";

    /// <summary>The message when no place held a loadable libzcn.so: every attempt, one per line, with its reason.
    /// </summary>
    internal static string FormatNotFoundMessage(IReadOnlyList<(string Where, string Error)> attempts)
    {
        var message = new StringBuilder();
        message.Append("Unable to load the native library '").Append(LibraryName).Append("' (")
               .Append(FileName).Append("). Searched:");
        foreach ((string where, string error) in attempts)
        {
            message.AppendLine().Append("  ").Append(where).Append(": ").Append(error);
        }

        message.AppendLine().Append("Put ").Append(FileName).Append(" beside the application, or set ")
               .Append(EnvironmentVariable).Append(" to its full path.");
        return message.ToString();
    }

    /// <summary>The RID spelling of an architecture ("x64", "arm64").</summary>
    internal static string ArchitectureName(Architecture architecture) => architecture switch
    {
        Architecture.X64 => "x64",
        Architecture.Arm64 => "arm64",
        Architecture.X86 => "x86",
        Architecture.Arm => "arm",
        _ => architecture.ToString().ToLowerInvariant(),
    };

    [UnconditionalSuppressMessage("SingleFile",
        "IL3000:Avoid accessing Assembly file path when publishing as a single file",
        Justification = "An empty Location (NativeAOT, single-file) is expected and skipped; " +
                        "AppContext.BaseDirectory is searched first and covers those cases.")]
    private static string? AssemblyDirectory(Assembly assembly)
    {
        string location = assembly.Location;
        return string.IsNullOrEmpty(location) ? null : Path.GetDirectoryName(location);
    }

    private static bool TryLoadFile(string pathOrName, out IntPtr handle, out string error)
    {
        // A missing file reads "not found"; a file that exists but does not load (another architecture, a missing
        // dependency) keeps the loader's own reason.
        if (Path.IsPathRooted(pathOrName) && !File.Exists(pathOrName))
        {
            handle = IntPtr.Zero;
            error = "not found";
            return false;
        }

        try
        {
            handle = NativeLibrary.Load(pathOrName);
            error = string.Empty;
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            handle = IntPtr.Zero;
            error = LoaderReason(e.Message);
            return false;
        }
    }

    /// <summary>The runtime wraps the loader's reason (dlerror) in several lines of advice; the reason is the last
    /// non-empty line ("libzcn.so.0: cannot open shared object file: No such file or directory").</summary>
    internal static string LoaderReason(string message)
    {
        string[] lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? message : lines[^1];
    }

    private static bool TryLoadDefault(string name, Assembly assembly, DllImportSearchPath? searchPath,
                                       out IntPtr handle, out string error)
    {
        // The runtime's own probing (the application's native search directories from its deps.json, name
        // variations). It does not call back into this resolver; t_resolving guards against it anyway.
        if (NativeLibrary.TryLoad(name, assembly, searchPath, out handle))
        {
            error = string.Empty;
            return true;
        }

        error = "not found";
        return false;
    }
}
