package org.complianceproxy.proxy.upstream;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;

/**
 * Last handler of a pooled upstream connection, after {@code HttpClientCodec} and an {@code
 * IdleStateHandler}. It hands every response part to the {@link UpstreamListener} stored on the
 * channel by the exchange that acquired it. With no listener (an idle pooled connection) anything
 * read is released and the connection closed: an upstream that speaks unasked is not to be trusted
 * with the next request.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {

  static final AttributeKey<UpstreamListener> LISTENER = AttributeKey.valueOf("upstream.listener");

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    UpstreamListener listener = ctx.channel().attr(LISTENER).get();
    if (listener != null && msg instanceof HttpObject http) {
      listener.onUpstreamMessage(http);
    } else {
      ReferenceCountUtil.release(msg);
      ctx.close();
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent) {
      UpstreamListener listener = ctx.channel().attr(LISTENER).get();
      if (listener != null) {
        listener.onUpstreamIdle();
      } else {
        ctx.close();
      }
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    UpstreamListener listener = ctx.channel().attr(LISTENER).getAndSet(null);
    if (listener != null) {
      listener.onUpstreamClosed(null);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    UpstreamListener listener = ctx.channel().attr(LISTENER).getAndSet(null);
    ctx.close();
    if (listener != null) {
      listener.onUpstreamClosed(cause);
    }
  }
}
