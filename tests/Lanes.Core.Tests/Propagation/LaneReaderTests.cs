using Lanes.Propagation;
using Microsoft.Extensions.Primitives;

namespace Lanes.Tests.Propagation;

public class LaneReaderTests
{
    private const string Key = "x-mse-tag";

    [Theory]
    [InlineData("gray", "gray")]
    [InlineData(" gray ", "gray")]
    [InlineData("base", null)]
    [InlineData("", null)]
    [InlineData("   ", null)]
    public void ReadHeader_AcceptsLane(string header, string? expected)
    {
        Assert.Equal(LaneRejection.None, LaneReader.ReadHeader(header, out var lane));
        Assert.Equal(expected, lane.Name);
    }

    [Theory]
    [InlineData("Gray")]
    [InlineData("gray\r\nx-injected: 1")]
    [InlineData("gr\0ay")]
    [InlineData("gray gray")]
    public void ReadHeader_MalformedValue_IsBaseAndInvalid(string header)
    {
        Assert.Equal(LaneRejection.Invalid, LaneReader.ReadHeader(header, out var lane));
        Assert.True(lane.IsBase);
    }

    [Fact]
    public void ReadHeader_Oversized_IsTooLong()
    {
        Assert.Equal(LaneRejection.TooLong, LaneReader.ReadHeader(new string('a', 8193), out var lane));
        Assert.True(lane.IsBase);
        Assert.Equal(LaneRejection.Invalid, LaneReader.ReadHeader(new string('a', 8192), out _));
    }

    [Fact]
    public void ReadHeader_RepeatedValues_AgreeingOrConflicting()
    {
        Assert.Equal(LaneRejection.None, LaneReader.ReadHeader(new StringValues(["gray", "gray"]), out var lane));
        Assert.Equal("gray", lane.Name);
        Assert.Equal(LaneRejection.Conflicting, LaneReader.ReadHeader(new StringValues(["gray", "blue"]), out lane));
        Assert.True(lane.IsBase);
    }

    [Theory]
    [InlineData("gray, gray")]        // two lines merged by a proxy, as HttpClient and YARP forward them
    [InlineData("gray,gray,gray")]
    [InlineData(" gray ,\tgray ")]
    [InlineData("gray, ,gray")]       // empty list elements are ignored (RFC 9110, 5.6.1)
    public void ReadHeader_OneLineListOfTheSameLane_IsThatLane(string header)
    {
        Assert.Equal(LaneRejection.None, LaneReader.ReadHeader(header, out var lane));
        Assert.Equal("gray", lane.Name);
    }

    [Theory]
    [InlineData("gray,blue")]
    [InlineData("gray, gray, blue")]
    [InlineData("gray, Gray")]
    public void ReadHeader_OneLineListOfDifferentValues_IsConflicting(string header)
    {
        Assert.Equal(LaneRejection.Conflicting, LaneReader.ReadHeader(header, out var lane));
        Assert.True(lane.IsBase);
    }

    [Fact]
    public void ReadHeader_ValidHeader_GivesTheProcessWideNameInstance()
    {
        // The process knows the lane (its configuration or an instance's metadata parsed it), as routing's keys do.
        var known = Lane.Parse("gray");
        var first = new string("gray".ToCharArray());
        var second = new string("gray".ToCharArray());

        LaneReader.ReadHeader(first, out var lane);
        LaneReader.ReadHeader(second, out var again);

        Assert.Equal("gray", lane.Name);
        Assert.Same(known.Name, lane.Name);
        Assert.Same(known.Name, again.Name);
    }

    [Fact]
    public void NamesFromRequests_CannotCrowdOutTheLanesTheProcessKnows()
    {
        // Far more distinct names than the table lets requests add (other tests in this process add theirs too).
        for (var i = 0; i < 5_000; i++)
        {
            LaneReader.ReadHeader($"flood-{i}", out _);
        }

        var known = Lane.Parse("learned-after-the-flood");
        LaneReader.ReadHeader(new string("learned-after-the-flood".ToCharArray()), out var fromRequest);
        LaneReader.ReadBaggage("x-mse-tag=learned-after-the-flood", Key, out var fromBaggage);

        Assert.Same(known.Name, fromRequest.Name);
        Assert.Same(known.Name, fromBaggage.Name);
    }

    [Theory]
    [InlineData("x-mse-tag=gray", "gray")]
    [InlineData("userId=alice, x-mse-tag = gray ;prop=1, other=x", "gray")]
    [InlineData("x-mse-tag=blue,x-mse-tag=gray", "gray")]
    [InlineData("x-mse-tag=gr%61y", "gray")]
    [InlineData("other=gray", null)]
    [InlineData("x-mse-tagx=gray", null)]
    [InlineData("", null)]
    [InlineData(",,,", null)]
    public void ReadBaggage_FindsLaneMember(string baggage, string? expected)
    {
        Assert.Equal(LaneRejection.None, LaneReader.ReadBaggage(baggage, Key, out var lane));
        Assert.Equal(expected, lane.Name);
    }

    [Theory]
    [InlineData("x-mse-tag=GRAY")]
    [InlineData("x-mse-tag=gr%6")]
    [InlineData("x-mse-tag=gr%zzay")]
    [InlineData("x-mse-tag=gr%C3%A4y")]
    [InlineData("x-mse-tag=gray%0D%0A")]
    public void ReadBaggage_MalformedMember_IsInvalid(string baggage)
    {
        Assert.Equal(LaneRejection.Invalid, LaneReader.ReadBaggage(baggage, Key, out var lane));
        Assert.True(lane.IsBase);
    }

    [Fact]
    public void ReadBaggage_SeveralHeaders_FormOneListAndLaterWins()
    {
        Assert.Equal(LaneRejection.None, LaneReader.ReadBaggage(new StringValues(["x-mse-tag=blue", "a=b,x-mse-tag=gray"]), Key, out var lane));
        Assert.Equal("gray", lane.Name);
    }

    [Fact]
    public void ReadBaggage_Oversized_IsTooLong()
    {
        var baggage = "x-mse-tag=gray," + string.Join(',', Enumerable.Range(0, 1000).Select(i => $"k{i}=v{i}"));

        Assert.True(baggage.Length > LaneReader.MaxCarrierLength);
        Assert.Equal(LaneRejection.TooLong, LaneReader.ReadBaggage(baggage, Key, out var lane));
        Assert.True(lane.IsBase);
    }

    [Fact]
    public void Read_HeaderWinsOverBaggage()
    {
        Assert.Equal(LaneRejection.None, LaneReader.Read("blue", "x-mse-tag=gray", Key, out var lane));
        Assert.Equal("blue", lane.Name);
        Assert.Equal(LaneRejection.None, LaneReader.Read(StringValues.Empty, "x-mse-tag=gray", Key, out lane));
        Assert.Equal("gray", lane.Name);
        Assert.Equal(LaneRejection.Invalid, LaneReader.Read("BAD", "x-mse-tag=gray", Key, out lane));
        Assert.True(lane.IsBase);
    }
}
