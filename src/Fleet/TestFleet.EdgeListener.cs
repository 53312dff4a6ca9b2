using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Edgemanage.Fleet;

public sealed partial class TestFleet
{
    /// <summary>One fleet address: its listening socket (absent while refusing) and behaviours.</summary>
    internal sealed class EdgeListener(string name, IPAddress ip, int backlog)
    {
        private readonly object _gate = new();
        private Socket? _socket;
        private Task _acceptLoop = Task.CompletedTask;
        private int _port;
        private volatile EdgeBehaviour _behaviour = EdgeBehaviour.Ok();

        public string Name { get; } = name;
        public IPAddress Ip { get; } = ip;
        public long Requests;
        public readonly ConcurrentDictionary<IPAddress, EdgeBehaviour> PeerBehaviours = new();
        public EdgeBehaviour Behaviour => _behaviour;

        public EdgeBehaviour BehaviourFor(IPAddress peer) =>
            !PeerBehaviours.IsEmpty && PeerBehaviours.TryGetValue(peer, out var b) ? b : _behaviour;

        /// <summary>Binds and listens on <paramref name="port"/> (0 = any) and returns the port bound.</summary>
        public int Bind(int port)
        {
            var socket = new Socket(Ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                if (Ip.AddressFamily == AddressFamily.InterNetworkV6) socket.DualMode = false;
                // Re-listening after Refuse must not trip over this address's own TIME_WAIT connections.
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                socket.Bind(new IPEndPoint(Ip, port));
                socket.Listen(backlog);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
            _socket = socket;
            _port = ((IPEndPoint)socket.LocalEndPoint!).Port;
            return _port;
        }

        public void Start(TestFleet fleet)
        {
            lock (_gate)
            {
                if (_socket is { } s) _acceptLoop = AcceptLoopAsync(fleet, s);
            }
        }

        public void SetBehaviour(EdgeBehaviour behaviour, TestFleet fleet)
        {
            // Changing listening state and behaviour together under the lock keeps Refuse <-> other
            // transitions consistent when tests flip an address from several threads.
            lock (_gate)
            {
                var refuse = behaviour is EdgeBehaviour.Refusing;
                if (refuse && _socket is not null)
                {
                    _socket.Dispose(); // the kernel refuses from now on; queued connections are reset
                    _socket = null;
                }
                else if (!refuse && _socket is null)
                {
                    Bind(_port);
                    _acceptLoop = AcceptLoopAsync(fleet, _socket!);
                }
                _behaviour = behaviour;
            }
        }

        private async Task AcceptLoopAsync(TestFleet fleet, Socket listen)
        {
            var ct = fleet._stop.Token;
            while (!ct.IsCancellationRequested)
            {
                Socket accepted;
                try
                {
                    accepted = await listen.AcceptAsync(ct).ConfigureAwait(false);
                }
                catch (Exception) when (ct.IsCancellationRequested || !ReferenceEquals(Volatile.Read(ref _socket), listen))
                {
                    return; // fleet stopped, or this socket was closed for Refuse
                }
                catch (SocketException)
                {
                    // Transient (e.g. out of file descriptors under a heavy benchmark): back off briefly
                    // instead of spinning on the same error.
                    try { await Task.Delay(10, ct).ConfigureAwait(false); } catch (OperationCanceledException) { return; }
                    continue;
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
                fleet.OnAccepted(this, accepted);
            }
        }

        public void Close()
        {
            lock (_gate)
            {
                _socket?.Dispose();
                _socket = null;
            }
        }

        public Task StoppedAsync() => _acceptLoop.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(static _ => { }, TaskScheduler.Default);
    }
}
