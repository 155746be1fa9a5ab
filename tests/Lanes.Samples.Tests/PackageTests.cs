using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Xml.Linq;
using Xunit.Abstractions;

namespace Lanes.Samples.Tests;

/// <summary>
/// The user's "add the NuGet package" path: every library is packed into a local folder feed, a fresh <c>dotnet new web</c>
/// app adds <c>Lanes.AspNetCore</c> from it, makes the three calls and serves a lane request.
/// </summary>
public sealed class PackageTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string[] s_packages = ["Lanes.Core", "Lanes.AspNetCore", "Lanes.Yarp", "Lanes.OpenTelemetry", "Lanes.Nacos", "Lanes.Kubernetes"];

    private static readonly string s_repository = FindRepository();

    // The configuration this test run was built in, so the packages are the assemblies under test.
    private static readonly string Configuration = typeof(PackageTests).Assembly
        .GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
        .Cast<System.Reflection.AssemblyMetadataAttribute>()
        .Single(static a => a.Key == "Lanes.Samples.Tests.Configuration").Value!;

    private readonly string _work = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "lanes-package-test-" + Guid.NewGuid().ToString("N")[..8])).FullName;

    [Fact]
    public async Task Packages_CarryTheirMetadata_AndAFreshWebAppServesALaneRequestFromThem()
    {
        // The packages as the test run built them (no rebuild: other test hosts have those assemblies loaded).
        var feed = Directory.CreateDirectory(Path.Combine(_work, "feed")).FullName;
        // Each pack writes only its own project's intermediate files, so they can run side by side.
        await Task.WhenAll(s_packages.Select(package =>
            DotnetAsync(s_repository, "pack", Path.Combine("src", package), "-c", Configuration, "--no-build", "--no-restore", "-o", feed)));

        foreach (var package in s_packages)
        {
            CheckPackage(feed, package);
        }

        // A fresh app that finds Lanes in the folder feed and everything else where this repository does.
        var app = Path.Combine(_work, "app");
        await DotnetAsync(_work, "new", "web", "-o", app, "--no-restore");
        File.WriteAllText(Path.Combine(app, "nuget.config"), NuGetConfig(feed));
        await DotnetAsync(app, "add", "package", "Lanes.AspNetCore", "--version", Version(feed), "--no-restore");
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            var builder = WebApplication.CreateBuilder(args);
            builder.Services.AddTrafficLanes();
            builder.Services.AddHttpClient("orders").AddTrafficLanes();

            var app = builder.Build();
            app.UseTrafficLanes();
            app.MapGet("/", async (IHttpClientFactory clients) => await clients.CreateClient("orders").GetStringAsync("http://orders/hop"));
            app.MapGet("/hop", (HttpContext context) => $"{context.Connection.LocalPort} {context.Request.Headers["x-mse-tag"]}");
            app.Run();
            """);
        await DotnetAsync(app, "restore", "--packages", Path.Combine(_work, "packages"));
        await DotnetAsync(app, "build", "--no-restore", "-o", Path.Combine(_work, "out"));

        // The app listens twice: one port is the base instance of "orders", the other its gray instance.
        var (basePort, grayPort) = (FreePort(), FreePort());
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _work };
        info.ArgumentList.Add(Path.Combine(_work, "out", "app.dll"));
        info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{basePort};http://127.0.0.1:{grayPort}";
        info.Environment["Lanes__Services__orders__0__Url"] = $"http://127.0.0.1:{basePort}";
        info.Environment["Lanes__Services__orders__1__Url"] = $"http://127.0.0.1:{grayPort}";
        info.Environment["Lanes__Services__orders__1__Lane"] = "gray";
        using var process = Process.Start(info)!;
        var log = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{basePort}"), Timeout = TimeSpan.FromSeconds(10) };
            string? baseAnswer = null;
            for (var i = 0; i < 600 && baseAnswer is null && !process.HasExited; i++)
            {
                try
                {
                    baseAnswer = await client.GetStringAsync("/");
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(100);
                }
            }

            Assert.True(baseAnswer is not null, $"the app never answered:\n{log}");
            Assert.Equal($"{basePort} ", baseAnswer);

            using var gray = new HttpRequestMessage(HttpMethod.Get, "/");
            gray.Headers.Add("x-mse-tag", "gray");
            using var grayResponse = await client.SendAsync(gray);
            Assert.Equal(HttpStatusCode.OK, grayResponse.StatusCode);
            Assert.Equal($"{grayPort} gray", await grayResponse.Content.ReadAsStringAsync());
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by the app that was just killed; the temp folder is cleaned by the OS.
        }
    }

    private static void CheckPackage(string feed, string id)
    {
        var nupkg = Directory.GetFiles(feed, id + ".*.nupkg").Single(p => Path.GetFileName(p)[(id.Length + 1)..].Length > 0 && char.IsAsciiDigit(Path.GetFileName(p)[id.Length + 1]));
        var snupkg = Path.ChangeExtension(nupkg, ".snupkg");
        Assert.True(File.Exists(snupkg), $"{id}: no symbol package");

        using (var package = ZipFile.OpenRead(nupkg))
        {
            var nuspec = XDocument.Load(package.GetEntry(id + ".nuspec")!.Open()).Root!;
            var ns = nuspec.Name.Namespace;
            var metadata = nuspec.Element(ns + "metadata")!;
            Assert.Equal("MIT", metadata.Element(ns + "license")?.Value);
            Assert.Equal("README.md", metadata.Element(ns + "readme")?.Value);
            Assert.False(string.IsNullOrWhiteSpace(metadata.Element(ns + "description")?.Value), $"{id}: no description");
            var repository = metadata.Element(ns + "repository");
            Assert.True(repository?.Attribute("url")?.Value.StartsWith("https://", StringComparison.Ordinal) == true, $"{id}: no repository url");
            Assert.Matches("^[0-9a-f]{40}$", repository!.Attribute("commit")?.Value ?? "");
            var readme = new StreamReader(package.GetEntry("README.md")!.Open()).ReadToEnd();
            Assert.StartsWith("# " + id, readme, StringComparison.Ordinal);
            Assert.NotNull(package.GetEntry($"lib/net10.0/{id}.dll"));
            Assert.NotNull(package.GetEntry($"lib/net10.0/{id}.xml"));
        }

        using var symbols = ZipFile.OpenRead(snupkg);
        var pdb = symbols.GetEntry($"lib/net10.0/{id}.pdb");
        Assert.NotNull(pdb);
        using var pdbStream = new MemoryStream();
        pdb.Open().CopyTo(pdbStream);

        // SourceLink: the portable PDB maps the sources to the repository's raw files at the commit.
        Assert.Contains("https://raw.githubusercontent.com/", Encoding.UTF8.GetString(pdbStream.ToArray()), StringComparison.Ordinal);
    }

    private static string Version(string feed)
    {
        var name = Path.GetFileNameWithoutExtension(Directory.GetFiles(feed, "Lanes.AspNetCore.*.nupkg").Single());
        return name["Lanes.AspNetCore.".Length..];
    }

    // The repository's own package source (the mirror), the folder feed first, and this machine's package folder as a
    // fallback, so the app restores without downloading what the repository's build already has.
    private static string NuGetConfig(string feed)
    {
        var repositoryConfig = XDocument.Load(Path.Combine(s_repository, "nuget.config"));
        var sources = repositoryConfig.Descendants("packageSources").Single();
        sources.Elements("clear").Remove();
        sources.AddFirst(new XElement("add", new XAttribute("key", "lanes-feed"), new XAttribute("value", feed)));
        sources.AddFirst(new XElement("clear"));
        var globalPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        repositoryConfig.Root!.Add(new XElement("fallbackPackageFolders", new XElement("add", new XAttribute("key", "machine"), new XAttribute("value", globalPackages))));
        return repositoryConfig.ToString();
    }

    private async Task DotnetAsync(string directory, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        var started = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var text = await stdout + await stderr;
        output.WriteLine($"dotnet {string.Join(' ', args)}: exit {process.ExitCode} in {started.Elapsed.TotalSeconds:F1} s");
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', args)} failed:\n{text}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FindRepository()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Lanes.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Lanes.sln not found above " + AppContext.BaseDirectory);
    }
}
