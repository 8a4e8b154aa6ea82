package io.syscallexporter.join;

import java.util.HashMap;
import java.util.Map;

/**
 * How many connections the agent socket holds, by uid (which the kernel vouches for) and in
 * all: those that have not said who they are yet have a small budget of their own, so a flood
 * of silent ones never locks out a JVM that joins; joins are paced per uid, so no one user can
 * make the exporter join and leave without end.
 */
final class Admission {
  /** The bounds; joins are paced as a bucket of {@code joinBurst} refilled one a second. */
  record Limits(int joined, int unjoined, int perUid, int unjoinedPerUid, int joinBurst) {}

  /** Why a connection or a join is refused. */
  enum Refusal {
    BUSY, TOO_MANY_JOINS
  }

  private final Limits limits;
  private final Map<Integer, Uid> byUid = new HashMap<>();
  private int joined;
  private int unjoined;

  /** One uid's connections and joins. */
  private static final class Uid {
    int connections;
    int unjoined;
    TokenBucket joins;
  }

  Admission(Limits limits) {
    this.limits = limits;
  }

  /** A new connection of {@code uid}, not joined yet; false: over a bound, to be closed. */
  synchronized boolean admit(int uid, long nowNanos) {
    Uid u = uid(uid, nowNanos);
    if (unjoined >= limits.unjoined() || u.unjoined >= limits.unjoinedPerUid()
        || u.connections >= limits.perUid()) {
      forgetIfIdle(uid, u, nowNanos);
      return false;
    }
    unjoined++;
    u.unjoined++;
    u.connections++;
    return true;
  }

  /** A connection of {@code uid} says who it is: null when it may join, else why not. */
  synchronized Refusal join(int uid, long nowNanos) {
    Uid u = uid(uid, nowNanos);
    if (joined >= limits.joined()) {
      return Refusal.BUSY;
    }
    if (!u.joins.take(nowNanos)) {
      return Refusal.TOO_MANY_JOINS;
    }
    u.unjoined--;
    unjoined--;
    joined++;
    return null;
  }

  /** A connection of {@code uid} has closed; {@code wasJoined}: after {@link #join} let it. */
  synchronized void release(int uid, boolean wasJoined, long nowNanos) {
    Uid u = uid(uid, nowNanos);
    u.connections--;
    if (wasJoined) {
      joined--;
    } else {
      u.unjoined--;
      unjoined--;
    }
    forgetIfIdle(uid, u, nowNanos);
  }

  /** Connections held now, joined and not. */
  synchronized int held() {
    return joined + unjoined;
  }

  private Uid uid(int uid, long nowNanos) {
    return byUid.computeIfAbsent(uid, k -> {
      Uid fresh = new Uid();
      fresh.joins = new TokenBucket(limits.joinBurst(), 1, nowNanos);
      return fresh;
    });
  }

  /** A uid is remembered while it has connections or has joined lately. */
  private void forgetIfIdle(int uid, Uid u, long nowNanos) {
    if (u.connections == 0 && u.joins.full(nowNanos)) {
      byUid.remove(uid);
    }
  }

  /** Uids remembered now: bounded by those with connections or recent joins. */
  synchronized int uids() {
    return byUid.size();
  }
}
