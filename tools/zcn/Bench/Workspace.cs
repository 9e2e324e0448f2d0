using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;

namespace ZeroCopyNative.Tool.Bench;

/// <summary>
/// The temporary folder that holds the bench's data, removed on every way out: normal return, exception, Ctrl+C
/// (SIGINT), SIGTERM and SIGHUP. A signal kills the running C reference (if any), removes the folder and exits with
/// 128 + the signal number, as a shell reports it.
/// </summary>
internal sealed class Workspace : IDisposable
{
    private readonly PosixSignalRegistration[] _signals;
    private int _removed;
    private Process? _child;

    public Workspace(string? parent)
    {
        // A fresh, private folder (0700) under DIR or the temp path; the random name keeps runs apart.
        string root = Path.GetFullPath(parent ?? Path.GetTempPath());
        Directory.CreateDirectory(root);
        while (true)
        {
            string candidate = Path.Combine(root, "zcn-bench-" + Path.GetRandomFileName().Replace(".", "", StringComparison.Ordinal));
            if (!Path.Exists(candidate))
            {
                Directory.CreateDirectory(candidate, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                Root = candidate;
                break;
            }
        }

        _signals =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal),
        ];
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Remove();
    }

    /// <summary>The folder.</summary>
    public string Root { get; }

    /// <summary>A path inside the folder.</summary>
    public string PathOf(string name) => Path.Combine(Root, name);

    /// <summary>The C reference process now running, so that a signal can stop it too.</summary>
    public Process? Child
    {
        set => Volatile.Write(ref _child, value);
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        try
        {
            Volatile.Read(ref _child)?.Kill();
        }
        catch (InvalidOperationException)
        {
        }

        Remove();
        Console.Error.Write("\nzcn bench: interrupted; temporary files removed\n");
        int code = context.Signal switch
        {
            PosixSignal.SIGINT => 130,
            PosixSignal.SIGTERM => 143,
            PosixSignal.SIGHUP => 129,
            _ => 1,
        };
        Environment.Exit(code);
    }

    private void Remove()
    {
        if (Interlocked.Exchange(ref _removed, 1) != 0)
        {
            return;
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    public void Dispose()
    {
        Remove();
        foreach (PosixSignalRegistration s in _signals)
        {
            s.Dispose();
        }
    }
}
