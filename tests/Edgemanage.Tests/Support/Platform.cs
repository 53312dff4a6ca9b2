// The suite drives Linux-only parts (named, rndc, Unix file modes, signals): say so, rather than guard every call.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
