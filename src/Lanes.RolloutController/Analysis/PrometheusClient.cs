using System.Globalization;
using System.Net.Http;
using System.Text.Json;

namespace Lanes.RolloutController.Analysis;

/// <summary>
/// Prometheus' HTTP API, instant queries only (<c>GET /api/v1/query</c>). Whatever happens (unreachable, a timeout, an
/// error body, a status other than 200, a result that is not a vector or scalar) the answer is a
/// <see cref="PrometheusResult"/> saying why, never an exception and never a value that was not measured.
/// </summary>
internal sealed class PrometheusClient(IHttpClientFactory httpClientFactory)
{
    public const string HttpClientName = "Lanes.Analysis.Prometheus";
    private const int MaxBodyBytes = 1 << 20;

    public async Task<PrometheusResult> QueryAsync(Uri address, string query, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var url = new Uri(address, address.AbsolutePath.TrimEnd('/') + "/api/v1/query?query=" + Uri.EscapeDataString(query));
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            var client = httpClientFactory.CreateClient(HttpClientName);
            using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, timeoutSource.Token).ConfigureAwait(false);
            if (response.Content.Headers.ContentLength > MaxBodyBytes)
            {
                return PrometheusResult.Failure(string.Create(CultureInfo.InvariantCulture, $"Prometheus at {address} answered {(int)response.StatusCode} with a body over {MaxBodyBytes} bytes"));
            }

            var body = await response.Content.ReadAsByteArrayAsync(timeoutSource.Token).ConfigureAwait(false);
            return Parse(address, (int)response.StatusCode, body);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return PrometheusResult.Failure(string.Create(CultureInfo.InvariantCulture, $"Prometheus at {address} did not answer within {timeout.TotalSeconds:0.###}s"));
        }
        catch (HttpRequestException e)
        {
            return PrometheusResult.Failure($"Prometheus at {address} is unreachable: {e.Message}");
        }
    }

    /// <summary>Reads a <c>/api/v1/query</c> answer (success or error body).</summary>
    internal static PrometheusResult Parse(Uri address, int statusCode, ReadOnlySpan<byte> body)
    {
        try
        {
            using var document = JsonDocument.Parse(body.ToArray());
            var root = document.RootElement;
            var status = root.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            if (status != "success" || statusCode != 200)
            {
                var errorType = root.TryGetProperty("errorType", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                var error = root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
                return PrometheusResult.Failure(string.Create(CultureInfo.InvariantCulture,
                    $"Prometheus at {address} answered {statusCode}{(errorType is null ? "" : " " + errorType)}: {error ?? "status " + (status ?? "missing")}"));
            }

            var data = root.GetProperty("data");
            var resultType = data.GetProperty("resultType").GetString();
            var result = data.GetProperty("result");
            switch (resultType)
            {
                case "scalar":
                    return new PrometheusResult([SampleValue(result)], null);
                case "vector":
                    var values = new List<double>(result.GetArrayLength());
                    foreach (var series in result.EnumerateArray())
                    {
                        values.Add(SampleValue(series.GetProperty("value")));
                    }

                    return new PrometheusResult(values, null);
                default:
                    return PrometheusResult.Failure($"Prometheus at {address} answered a {resultType} result; an analysis query must give an instant vector or a scalar");
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException or IndexOutOfRangeException)
        {
            return PrometheusResult.Failure(string.Create(CultureInfo.InvariantCulture, $"Prometheus at {address} answered {statusCode} with a body that is not its query API's JSON"));
        }
    }

    // [ <unix time>, "<value>" ]: Prometheus writes values as strings, NaN and ±Inf included.
    private static double SampleValue(JsonElement sample)
    {
        var text = sample[1].GetString() ?? throw new FormatException("no sample value");
        return text switch
        {
            "NaN" => double.NaN,
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
    }
}
