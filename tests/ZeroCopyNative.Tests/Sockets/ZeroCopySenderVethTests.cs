using System;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using Report = ZeroCopyNative.Tests.Reliability.Report;
using ZeroCopyNative.Tests.Transfers;
using static ZeroCopyNative.Tests.Async.AsyncKit;
using static ZeroCopyNative.Tests.Sockets.SenderTestKit;

namespace ZeroCopyNative.Tests.Sockets;

/// <summary>
/// ZeroCopySender across a veth pair between two network namespaces, where the data leaves one network stack for
/// another as it would through a device: the sender and the receiver are this test executable run again, each under
/// <c>unshare --net</c> (a namespace of its own that ends with the process), and the pair is created straight into
/// the two namespaces (<c>ip link add ... netns PID type veth peer ... netns PID</c>), so nothing is added to the
/// machine's own namespace and nothing outlives the children. Needs root, unshare, nsenter and ip; without them the
/// test says why and does nothing else.
/// </summary>
[Category("Async")]
public sealed class ZeroCopySenderVethTests
{
    private const string ChildName = "ZeroCopyNative.Tests.Sockets.ZeroCopySenderVethTests.VethChild";
    private const string RoleVariable = "ZCN_VETH_ROLE";
    private const string FolderVariable = "ZCN_VETH_DIR";
    private const string SenderAddress = "10.251.0.1";
    private const string ReceiverAddress = "10.251.0.2";
    private const int Port = 5001;
    private const int Count = 32;
    private const int Length = 256 * 1024;

    [Test]
    public void SendsAcrossAVethPairBetweenTwoNetworkNamespaces()
    {
        if (Unavailable() is string why)
        {
            Report.Figure($"veth: not run here: {why}");
            return;
        }

        using var folder = new TempFolder();
        (Process receiver, Task<string> receiverOutputTask) = StartChild("receiver", folder.Path);
        (Process sender, Task<string> senderOutputTask) = StartChild("sender", folder.Path);
        using Process receiverProcess = receiver, senderProcess = sender;
        try
        {
            Assert.That(Eventually(() => File.Exists(Path.Combine(folder.Path, "receiver.ready")) &&
                                         File.Exists(Path.Combine(folder.Path, "sender.ready")), 60), Is.True,
                        "the children did not get ready");
            Setup($"ip link add zcnv0 netns {sender.Id} type veth peer name zcnv1 netns {receiver.Id}");
            Setup($"nsenter -t {sender.Id} -n ip addr add {SenderAddress}/30 dev zcnv0");
            Setup($"nsenter -t {sender.Id} -n ip link set zcnv0 up");
            Setup($"nsenter -t {receiver.Id} -n ip addr add {ReceiverAddress}/30 dev zcnv1");
            Setup($"nsenter -t {receiver.Id} -n ip link set zcnv1 up");
            File.WriteAllText(Path.Combine(folder.Path, "go"), "go");

            string senderOutput = Finish(sender, senderOutputTask);
            string receiverOutput = Finish(receiver, receiverOutputTask);
            string both = $"--- sender (exit {sender.ExitCode}):\n{senderOutput}\n--- receiver (exit {receiver.ExitCode}):\n{receiverOutput}";
            foreach (string name in new[] { "sender.result", "receiver.result" })
            {
                string path = Path.Combine(folder.Path, name);
                if (File.Exists(path))
                {
                    foreach (string line in File.ReadAllLines(path))
                    {
                        Report.Figure("veth: " + line);
                    }
                }
            }

            Assert.That(sender.ExitCode, Is.Zero, both);
            Assert.That(receiver.ExitCode, Is.Zero, both);
            Assert.That(senderOutput, Does.Contain("1 passed, 0 failed"), both);
            Assert.That(receiverOutput, Does.Contain("1 passed, 0 failed"), both);
        }
        finally
        {
            foreach (Process child in new[] { sender, receiver })
            {
                if (!child.HasExited)
                {
                    child.Kill(entireProcessTree: true);
                    child.WaitForExit();
                }
            }
        }
    }

    /// <summary>One side, in its own network namespace; run only as a child of the test above.</summary>
    [Test]
    [Explicit("Run by SendsAcrossAVethPairBetweenTwoNetworkNamespaces in a child process")]
    public void VethChild()
    {
        string? role = Environment.GetEnvironmentVariable(RoleVariable);
        string? folder = Environment.GetEnvironmentVariable(FolderVariable);
        if (role == null || folder == null)
        {
            TestContext.Out.WriteLine("runs only as a child of SendsAcrossAVethPairBetweenTwoNetworkNamespaces");
            return;
        }

        if (role == "receiver")
        {
            Receive(folder);
        }
        else
        {
            Send(folder);
        }
    }

    private static void Receive(string folder)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Any, Port));
        listener.Listen(1);
        File.WriteAllText(Path.Combine(folder, "receiver.ready"), "ready");
        Task<Socket> accept = listener.AcceptAsync();
        Assert.That(accept.Wait(TimeSpan.FromSeconds(60)), Is.True, "no connection");
        using Socket peer = accept.Result;
        byte[] expected = Expected();
        byte[] got = TestIo.Receive(peer, 2 * expected.Length);
        Assert.That(got.Length, Is.EqualTo(2 * expected.Length));
        Assert.That(got.AsSpan(0, expected.Length).SequenceEqual(expected), Is.True, "adaptive round");
        Assert.That(got.AsSpan(expected.Length).SequenceEqual(expected), Is.True, "forced round");
        File.WriteAllText(Path.Combine(folder, "receiver.result"), $"receiver got {got.Length} bytes, all as sent\n");
    }

    private static void Send(string folder)
    {
        File.WriteAllText(Path.Combine(folder, "sender.ready"), "ready");
        Assert.That(Eventually(() => File.Exists(Path.Combine(folder, "go")), 60), Is.True, "no go");
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var peer = new IPEndPoint(IPAddress.Parse(ReceiverAddress), Port);
        Assert.That(Eventually(() => TryConnect(socket, peer), 30), Is.True, "could not connect across the veth pair");
        byte[] expected = Expected();
        string results = "";
        foreach (ZeroCopySendMode mode in new[] { ZeroCopySendMode.Adaptive, ZeroCopySendMode.Forced })
        {
            var owners = new CountingOwner[Count];
            using var sender = new ZeroCopySender(socket, new ZeroCopySenderOptions { Mode = mode, ProbeInterval = 8 });
            for (int i = 0; i < Count; i++)
            {
                owners[i] = new CountingOwner(expected.AsSpan(i * Length, Length).ToArray(), static m => m.AsSpan().Fill(0xEE));
                Wait(sender.SendAsync(owners[i]));
            }

            Wait(sender.WaitForCompletionsAsync());
            Assert.That(Array.TrueForAll(owners, o => o.Disposals == 1), Is.True, $"{mode}: every owner released once");
            results += $"{mode} sender, {Count} x {Length} bytes: {sender.Counters}\n";
        }

        File.WriteAllText(Path.Combine(folder, "sender.result"), results);
    }

    private static bool TryConnect(Socket socket, EndPoint peer)
    {
        try
        {
            socket.Connect(peer);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static byte[] Expected() => TestIo.Bytes(Count * Length, 99);

    /// <summary>Why the namespaces cannot be made here, or null.</summary>
    private static string? Unavailable()
    {
        if (Environment.UserName != "root")
        {
            return "not root (network namespaces and veth pairs need CAP_SYS_ADMIN and CAP_NET_ADMIN)";
        }

        foreach (string program in new[] { "unshare", "nsenter", "ip" })
        {
            (int code, string output) = ChildProcess.RunProgram(program, "--version");
            if (code == -1)
            {
                return $"{program} is missing: {output.Trim()}";
            }
        }

        (int unshareCode, string unshareOutput) = ChildProcess.RunProgram("unshare", "--net", "true");
        return unshareCode == 0 ? null : $"unshare --net failed: {unshareOutput.Trim()}";
    }

    /// <summary>Starts this executable again in a network namespace of its own, reading its output as it comes (so that
    /// a full pipe never stalls it).</summary>
    private static (Process Process, Task<string> Output) StartChild(string role, string folder)
    {
        ProcessStartInfo self = ChildProcess.Self("--test", ChildName);
        var start = new ProcessStartInfo("unshare")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = self.WorkingDirectory,
        };
        start.ArgumentList.Add("--net");
        start.ArgumentList.Add("--");
        start.ArgumentList.Add(self.FileName);
        foreach (string argument in self.ArgumentList)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment[RoleVariable] = role;
        start.Environment[FolderVariable] = folder;
        start.Environment["DOTNET_DbgEnableMiniDump"] = "0";
        Process process = Process.Start(start) ?? throw new InvalidOperationException("unshare did not start");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        return (process, Task.WhenAll(output, errors).ContinueWith(t => t.Result[0] + t.Result[1], TaskScheduler.Default));
    }

    private static string Finish(Process process, Task<string> output)
    {
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail("a child did not finish within 120 s");
        }

        process.WaitForExit();
        return output.Result;
    }

    private static void Setup(string command)
    {
        string[] words = command.Split(' ');
        (int code, string output) = ChildProcess.RunProgram(words[0], words[1..]);
        Assert.That(code, Is.Zero, $"{command}: {output}");
    }
}
