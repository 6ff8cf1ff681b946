package org.complianceproxy.proxy.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.ReferenceCountUtil;

/**
 * {@link HttpObjectAggregator} for request bodies (DESIGN.md: bounded, so they may be aggregated),
 * placed after {@code HttpServerCodec}. A body over the limit is not answered here: an {@link
 * Oversized} marker goes down the pipeline instead, so the front door answers it in its own error
 * format, in order with pipelined requests, and audits it. The rest of that body is read and
 * dropped by the aggregator.
 */
final class BodyLimitAggregator extends HttpObjectAggregator {

  /**
   * A request whose body is over the limit; holds only the head (no buffers).
   *
   * @param keepAlive false when the connection must close after the answer: the client asked for
   *     {@code 100-continue} and will not get it, so what it sends next is not a request boundary
   */
  record Oversized(HttpRequest head, boolean keepAlive) {}

  BodyLimitAggregator(long maxBodyBytes) {
    super((int) Math.min(Integer.MAX_VALUE, maxBodyBytes), true);
  }

  @Override
  protected Object newContinueResponse(
      HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
    Object response = super.newContinueResponse(start, maxContentLength, pipeline);
    if (response instanceof HttpResponse r && !HttpResponseStatus.CONTINUE.equals(r.status())) {
      // Netty's own 413/417 has an empty body; returning null lets handleOversizedMessage run.
      ReferenceCountUtil.release(response);
      return null;
    }
    return response;
  }

  @Override
  protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
    if (oversized instanceof HttpRequest head) {
      boolean keepAlive = HttpUtil.isKeepAlive(head) && !HttpUtil.is100ContinueExpected(head);
      ctx.fireChannelRead(new Oversized(head, keepAlive));
    } else {
      ctx.close();
    }
  }
}
