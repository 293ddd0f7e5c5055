package dev.flowgate;

import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A native handle that any number of threads use while one may close it: uses hold the read lock,
 * close takes the write lock, so close waits for uses in progress and a use after close is an
 * IllegalStateException, never a freed pointer. Bundle and BundleHolder each hold one.
 */
final class HandleGuard {
  interface Use<T, E extends Exception> {
    T apply(long handle) throws E;
  }

  interface Closer {
    void close(long handle);
  }

  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final String kind;
  private final Closer closer;
  private long handle;  // guarded by lock; 0 once closed

  HandleGuard(long handle, String kind, Closer closer) {
    this.handle = handle;
    this.kind = kind;
    this.closer = closer;
  }

  /** Runs use on the live handle; IllegalStateException naming what once closed. */
  <T, E extends Exception> T use(String what, Use<T, E> use) throws E {
    ReentrantReadWriteLock.ReadLock read = lock.readLock();
    read.lock();
    try {
      if (handle == 0) {
        throw new IllegalStateException("flowgate: " + what + " on a closed " + kind);
      }
      return use.apply(handle);
    } finally {
      read.unlock();
    }
  }

  boolean isClosed() {
    ReentrantReadWriteLock.ReadLock read = lock.readLock();
    read.lock();
    try {
      return handle == 0;
    } finally {
      read.unlock();
    }
  }

  /** Frees the handle once; later calls do nothing. */
  void close() {
    ReentrantReadWriteLock.WriteLock write = lock.writeLock();
    write.lock();
    try {
      if (handle != 0) {
        closer.close(handle);
        handle = 0;
      }
    } finally {
      write.unlock();
    }
  }
}
